// stop, kill, rm: signals go to the launcher (which forwards to the container's process); the
// supervisor records the exit. rm of a running container needs -f (Docker's message).

import { emit } from '../events.js'
import { endpointsOf, releaseNetwork } from './network.js'
import { freeze, isFrozen, removeCgroups } from './cgroup.js'
import { markStopped } from './restart.js'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { getDriver } from '../driver/index.js'
import { readStoredState, removeRecordDir } from './records.js'
import { currentState, setRestarting, stateName } from './state.js'
import type { ContainerRecord } from './types.js'
import { signalNumber } from './signals.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Send a signal to the container's supervisor (it forwards to the launcher and the process). */
export async function killContainer(store: Store, rec: ContainerRecord, signal = 'SIGKILL'): Promise<void> {
  const st = await currentState(store, rec.id)
  if (st.status === 'running') await markStopped(store, rec.id)
  if (st.status !== 'running') {
    throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `cannot kill container: ${rec.id.slice(0, 12)}: container ${rec.id} is not running`)
  }
  const sig = signalNumber(signal)
  const launcher = st.launcherPid
  // SIGKILL cannot be forwarded by the supervisor: send it to the launcher itself, whose
  // container init dies with it (and the supervisor records the exit).
  const target = sig === 9 && launcher ? launcher : st.pid
  try {
    process.kill(target, sig)
  } catch {
    // gone in between: fine
  }
  await emit(store.layout, 'container', 'kill', rec.id, { image: rec.imageRef, name: rec.name, signal: String(sig) })
  // A paused container gets its signal once thawed (Docker's stop and kill of a paused one).
  if (st.cgroups && (await isFrozen(st.cgroups))) await freeze(st.cgroups, false).catch(() => {})
}

/** `pause`/`unpause`: freeze or thaw every process of a running container (its cgroup freezer). */
export async function pauseContainer(store: Store, rec: ContainerRecord, paused: boolean): Promise<void> {
  const st = await currentState(store, rec.id)
  if (st.status !== 'running') throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `container ${rec.id} is not running`)
  if (!st.cgroups) throw new StoreError(Codes.UNSUPPORTED, `container ${rec.id} has no control group to freeze (rootless, or no cgroups here)`)
  const frozen = await isFrozen(st.cgroups)
  if (paused && frozen) throw new StoreError(Codes.INVALID_ARGUMENT, `cannot pause container ${rec.id}: Container ${rec.id} is already paused`)
  if (!paused && !frozen) throw new StoreError(Codes.INVALID_ARGUMENT, `Container ${rec.id} is not paused`)
  await freeze(st.cgroups, paused)
  await emit(store.layout, 'container', paused ? 'pause' : 'unpause', rec.id, { image: rec.imageRef, name: rec.name })
}

/** stop: StopSignal, then SIGKILL after `timeout` seconds. Waits for the exit. */
export async function stopContainer(store: Store, rec: ContainerRecord, timeout?: number): Promise<void> {
  const t = timeout ?? rec.stopTimeout
  // Also between two runs of a restart policy: the policy must not start it again.
  await markStopped(store, rec.id)
  const now = await currentState(store, rec.id)
  // Restarting: the policy's next start is off, and it is Exited at once (as Docker's stop).
  if (now.restarting) await setRestarting(store, rec.id, false)
  if (now.status !== 'running') return
  await killContainer(store, rec, rec.stopSignal).catch(() => {})
  const deadline = Date.now() + t * 1000
  while (Date.now() < deadline) {
    if ((await currentState(store, rec.id)).status !== 'running') {
      await emit(store.layout, 'container', 'stop', rec.id, { image: rec.imageRef, name: rec.name })
      return
    }
    await sleep(20)
  }
  await killContainer(store, rec, 'SIGKILL').catch(() => {})
  for (let i = 0; i < 500; i++) {
    if ((await currentState(store, rec.id)).status !== 'running') break
    await sleep(20)
  }
  await emit(store.layout, 'container', 'stop', rec.id, { image: rec.imageRef, name: rec.name })
}

/**
 * Refuses to start a build step's container again: its files' inodes may already be the file
 * pool's (the direct commit takes them), so anything it wrote would change every snapshot that
 * shares them. It lives only until its build removes it.
 */
export function assertStartable(rec: ContainerRecord): void {
  if (rec.imageRef === '<build>') {
    throw new StoreError(Codes.INVALID_ARGUMENT, `container ${rec.id.slice(0, 12)} is a build step's: it cannot be started`)
  }
}

/**
 * Waits until the container is not running; its exit code (0 for one never started, as
 * Docker's not-running condition). A container removed meanwhile (`rm -f`, or `run --rm`
 * before its end was seen) is NOT_FOUND: a state file that is gone must not read as a fresh
 * container's (created, 0). Docker keeps a --rm container's code for its waiters; store has no
 * daemon to keep it in, so a wait that misses the end of a --rm container says it is gone.
 */
export async function waitContainer(store: Store, rec: ContainerRecord): Promise<number> {
  for (;;) {
    const raw = await readStoredState(store, rec.id)
    if (raw === undefined) throw new StoreError(Codes.CONTAINER_NOT_FOUND, `No such container: ${rec.name}`)
    if (raw.status !== 'running') return raw.exitCode
    // Running as written: is its supervisor still there (currentState records a vanished one)?
    const s = await currentState(store, rec.id)
    if (s.status === 'exited') return s.exitCode // a missing file reads as created, never as exited
    await sleep(50)
  }
}

export interface RemoveOptions {
  force?: boolean
  /** Also remove anonymous volumes (rm -v). */
  volumes?: boolean
  removeVolume?: (name: string) => Promise<void>
}

export async function removeContainer(store: Store, rec: ContainerRecord, opts: RemoveOptions = {}): Promise<void> {
  const st = await currentState(store, rec.id)
  if (st.status === 'running' || st.restarting) {
    if (!opts.force) {
      throw new StoreError(
        Codes.CONTAINER_RUNNING,
        `cannot remove container "/${rec.name}": container is ${stateName(st)}: stop the container before removing or force remove`,
      )
    }
    // A policy waiting to start it again must not.
    await markStopped(store, rec.id)
    await killContainer(store, rec, 'SIGKILL').catch(() => {})
    for (let i = 0; i < 500 && (await currentState(store, rec.id)).status === 'running'; i++) await sleep(20)
  }
  const dir = store.layout.container(rec.id)
  await getDriver(rec.driver).remove(dir)
  await removeRecordDir(store, rec.id)
  if (opts.volumes && opts.removeVolume) {
    for (const m of rec.mounts) if (m.type === 'volume' && m.anonymous) await opts.removeVolume(m.name ?? m.source).catch(() => {})
  }
  // Its supervisor vanished (kill -9) while it was on the bridge: nobody else would remove it.
  for (const e of endpointsOf(st)) await releaseNetwork(store, rec, e)
  // Likewise its control groups (empty once its processes are gone).
  if (st.cgroups) await removeCgroups(st.cgroups)
  await emit(store.layout, 'container', 'destroy', rec.id, { image: rec.imageRef, name: rec.name })
}
