// A container run to its end by this process, with its restart policy (restart.ts) applied
// after: `store run` and `start -a` (attached: our stdio is the container's), and the
// per-container monitor of a detached one (cli/monitor.ts: output into the container log),
// which keeps restarting it for as long as the policy says. Docker's daemon does both; store has
// no daemon, so the process that saw the end decides.

import type { Store } from '../store.js'
import type { ContainerRecord } from './types.js'
import { supervise, startDetached } from './start.js'
import { removeContainer } from './lifecycle.js'
import { readRecord } from './records.js'
import { removeAnonymousVolume } from './volumes.js'
import { restartDelay, shouldRestart, stoppedByUser } from './restart.js'
import { setRestarting } from './state.js'

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

const removal = (store: Store) => (r: ContainerRecord) => removeContainer(store, r, { force: true, volumes: true, removeVolume: (n) => removeAnonymousVolume(store, n) })

/**
 * Run `rec` here on this process's stdin, stdout and stderr to its end (removed after with
 * `remove`, as `run --rm`); returns its exit status. A restart policy outlives the attached run:
 * the next start goes to a monitor, as Docker's daemon restarts it while the client has ended.
 */
export async function runAttached(store: Store, rec: ContainerRecord, o: { remove?: boolean } = {}): Promise<number> {
  const code = await supervise(store, rec, { stdio: 'inherit', remove: o.remove ? removal(store) : undefined })
  if (shouldRestart(rec.restart, code, 0, stoppedByUser(store, rec.id))) {
    await setRestarting(store, rec.id, true).catch(() => {})
    await pause(restartDelay(0))
    if (!stoppedByUser(store, rec.id)) await startDetached(store, rec, { restartCount: 1 }).catch(() => {})
    await setRestarting(store, rec.id, false).catch(() => {})
  }
  return code
}

/**
 * The monitor's work: run container `id` with its output into its log, record each exit, and
 * start it again while its policy (as it is then: `update --restart` may change it) says so.
 * `restarts`: how many restarts came before. Returns the monitor's own exit status (125 when
 * the last start failed, reported to `onError`).
 */
export async function monitorContainer(store: Store, id: string, restarts = 0, onError: (e: Error) => void = () => {}): Promise<number> {
  const rec = await readRecord(store, id)
  if (!rec) {
    onError(new Error(`monitor: no container ${id}`))
    return 1
  }
  for (;;) {
    let code: number
    let status = 0
    try {
      code = await supervise(store, rec, { stdio: 'log', restartCount: restarts, remove: rec.autoRemove ? removal(store) : undefined })
    } catch (e) {
      onError(e as Error)
      code = status = 125
    }
    const policy = (await readRecord(store, id))?.restart
    if (!shouldRestart(policy, code, restarts, stoppedByUser(store, id))) return status
    // Docker's `restarting` while it waits (ps, inspect, rm say so).
    await setRestarting(store, id, true).catch(() => {})
    await pause(restartDelay(restarts))
    // Stopped or removed during the pause: that ends the policy too.
    if (stoppedByUser(store, id) || !(await readRecord(store, id))) {
      await setRestarting(store, id, false).catch(() => {})
      return status
    }
    restarts++
  }
}
