// Starting a container. The process that waits for it is its supervisor: `store run` itself in
// the foreground, or a small detached monitor process (`dist/cli/monitor.js`) for -d and
// `store start`. The supervisor records its own pid in state.json (so a supervisor killed with
// -9 is seen as gone), the launcher's pid (for signals), and the exit status when it ends.
// Signals sent to the supervisor are forwarded to the launcher, which forwards them to the
// container's process.

import { emit } from '../events.js'
import { spawn } from 'node:child_process'
import { access, openSync, closeSync } from 'node:fs'
import { copyFile, readFile, rm } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import { monitorScript } from '../_paths.js'
import type { Store } from '../store.js'
import { getDriver } from '../driver/index.js'
import { bundleFiles, childPids, launch } from '../runtime/index.js'
import { containerLowers, logPath, processStart, readRecord, readState, readStoredState, writeState } from './records.js'
import { currentState } from './state.js'
import { ociSpec } from './spec.js'
import { volumeSource } from '../mount/volumes.js'
import type { ContainerRecord, ContainerState } from './types.js'
import { endpointScript, isBridged, joinBridge, publishAll, publishPorts, type Endpoint, type Publisher } from '../network/index.js'
import { extraHostLines, hostsOnJoin, networkAddresses, releaseNetwork } from './network.js'
import { cgroupStats, createCgroups, joinCgroupLines, removeCgroups } from './cgroup.js'
import { clearStopped } from './restart.js'
import { hostEnv } from '../config.js'

const pathExists = (p: string) => new Promise<boolean>((res) => access(p, (e) => res(!e)))

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']

export interface SuperviseOptions {
  /** 'inherit': our stdio is the container's (its output also logged, unless a terminal); 'log': stdout+stderr appended to the container log only. */
  stdio: 'inherit' | 'log'
  /** Called once the container is running (for `store run -d` to print the ID). */
  onRunning?: () => void
  /** Remove the container when it ends (run --rm). */
  remove?: (rec: ContainerRecord) => Promise<void>
  /** Restarts its policy made so far (kept in its state). */
  restartCount?: number
}

/** Run a created container to its end, here; returns its exit code (Docker's convention). */
export async function supervise(store: Store, rec: ContainerRecord, opts: SuperviseOptions): Promise<number> {
  const st = await currentState(store, rec.id)
  if (st.status === 'running') throw new StoreError(Codes.CONTAINER_RUNNING, `container ${rec.id.slice(0, 12)} is already running`)
  const dir = store.layout.container(rec.id)
  const driver = getDriver(rec.driver)
  const lowers = containerLowers(store, rec)
  const plan = driver.mountPlan(dir, lowers)
  const spec = ociSpec(rec, plan.rootfs, (name) => volumeSource(store.layout, name))
  // --network container:ID: that container's namespace (it must run), and its /etc/hosts and
  // resolv.conf, as Docker shares them.
  const joinNetns = rec.network.startsWith('container:') ? await otherNetns(store, rec) : undefined
  const state: ContainerState = {
    status: 'running', pid: process.pid, pidStart: await processStart(process.pid), exitCode: 0,
    startedAt: store.now().toISOString(), finishedAt: '', ...(opts.restartCount ? { restartCount: opts.restartCount } : {}),
  }
  // Its control groups, limits set, before it runs (recorded with the running state).
  const cgroups = await createCgroups(rec.id, rec.limits)
  if (cgroups) state.cgroups = cgroups
  // On the bridge: the running state (with its address) is written under the network lock,
  // then each network connected since create (eth1, eth2…) the same way.
  let endpoint: Endpoint | undefined
  let publisher: Publisher | undefined
  const extras: Endpoint[] = []
  if (isBridged(rec.network)) {
    try {
      endpoint = await joinBridge(
        store.layout, rec.network, (n) => networkAddresses(store, n),
        (e) => writeState(store, rec.id, { ...state, network: e }), (e) => hostsOnJoin(store, rec, e),
      )
      state.network = endpoint
      for (const [k, n] of (rec.networks ?? []).entries()) {
        extras.push(await joinBridge(
          store.layout, n, (x) => networkAddresses(store, x),
          (e) => writeState(store, rec.id, { ...state, extraEndpoints: [...extras, e] }), (e) => hostsOnJoin(store, rec, e), `eth${k + 1}`,
        ))
        state.extraEndpoints = [...extras]
      }
    } catch (e) {
      // Not started: its state says so, and what it joined is left (bridges, peers' names).
      await writeState(store, rec.id, st)
      for (const x of [...(endpoint ? [endpoint] : []), ...extras]) await releaseNetwork(store, rec, x)
      await removeCgroups(cgroups)
      throw e
    }
  } else {
    await writeState(store, rec.id, state)
  }
  let launcherPid = 0
  let spawnWrite: Promise<void> = Promise.resolve()
  const forward = (sig: NodeJS.Signals) => {
    if (launcherPid) {
      try {
        process.kill(launcherPid, sig)
      } catch {
        // already gone
      }
    }
  }
  for (const s of FORWARDED) process.on(s, forward)
  let exitCode: number
  let error: string | undefined
  try {
    if (endpoint) {
      const bindings = [...(rec.ports ?? []), ...(rec.publishAll ? publishAll(rec.exposed ?? [], rec.ports ?? []) : [])]
      if (bindings.length > 0) {
        publisher = await publishPorts(bindings, endpoint.ip, `${rec.name} (${rec.id})`)
        state.ports = publisher.ports
        await writeState(store, rec.id, state)
      }
    }
    const log = logPath(store, rec.id)
    const result = await launch(
      {
        bundleDir: dir, id: rec.id, spec, rootfsSteps: plan.steps, seccompFilterPath: store.layout.seccompFilter,
        ...(endpoint ? { networkSetup: [endpoint, ...extras].flatMap((e) => endpointScript(e, `/proc/${process.pid}/ns/net`)), address: endpoint.ip } : {}),
        ...(cgroups ? { prelude: (pidVar: string) => joinCgroupLines(cgroups, pidVar) } : {}),
        extraHosts: extraHostLines(rec, endpoint), ...(rec.dns ? { dns: rec.dns } : {}), ...(joinNetns ? { joinNetns } : {}),
        // Attached: its output is ours and logged; a terminal's (-t) comes out of the launcher's
        // pty relay on stdout (Docker logs it too, with its CRs), our terminal stays its input.
        stdio: opts.stdio === 'log' ? { kind: 'log', log } : { kind: 'tee', log },
        onSpawn: (pid) => {
          launcherPid = pid
          state.launcherPid = pid
          spawnWrite = writeState(store, rec.id, state).then(async () => {
            await emit(store.layout, 'container', 'start', rec.id, { image: rec.imageRef, name: rec.name })
            opts.onRunning?.()
          })
        },
      },
      rec.launcher,
    )
    exitCode = result.exitCode
  } catch (e) {
    // What `store run` exits with for a start that failed (cli/_exit.ts), so `ps` shows the same status.
    const se = e as { hint?: string; message: string }
    exitCode = 125
    error = se.message
    // The generated script the hint points at goes with the container.
    if (opts.remove && se.hint?.startsWith('the generated script')) delete se.hint
    throw e
  } finally {
    for (const s of FORWARDED) process.off(s, forward)
    await publisher?.close()
    await spawnWrite.catch(() => {})
    // The OOM killer's doing (its memory limit): Docker's State.OOMKilled.
    const oomKilled = cgroups && rec.limits?.memory ? (await cgroupStats(cgroups).catch(() => undefined))?.oomKills ?? 0 : 0
    await removeCgroups(cgroups)
    // Networks connected while it ran are in the stored state only.
    const joined = [...(endpoint ? [endpoint] : []), ...((await readStoredState(store, rec.id))?.extraEndpoints ?? extras)]
    // Stopped, a container has no address or ports (Docker empties its NetworkSettings).
    const { network: _n, ports: _p, cgroups: _c, extraEndpoints: _x, ...ended } = state
    await writeState(store, rec.id, { ...ended, status: 'exited', exitCode: exitCode!, finishedAt: store.now().toISOString(), error, ...(oomKilled > 0 ? { oomKilled: true } : {}) })
    // Its name now (a rename while it ran changed the record, not ours).
    const name = (await readRecord(store, rec.id).catch(() => undefined))?.name ?? rec.name
    if (oomKilled > 0) await emit(store.layout, 'container', 'oom', rec.id, { image: rec.imageRef, name })
    await emit(store.layout, 'container', 'die', rec.id, { exitCode: String(exitCode!), image: rec.imageRef, name })
    if (opts.remove) await opts.remove(rec).catch(() => {})
    for (const e of joined) await releaseNetwork(store, rec, e)
  }
  return exitCode
}

/** The network namespace of the container `rec.network` names (`container:ID`); its /etc files copied. */
async function otherNetns(store: Store, rec: ContainerRecord): Promise<string> {
  const id = rec.network.slice('container:'.length)
  const st = await currentState(store, id)
  const pid = st.status === 'running' && st.launcherPid ? (await childPids(st.launcherPid))[0] : undefined
  if (!pid) {
    throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `cannot join network of a non running container: ${id}`)
  }
  const mine = bundleFiles(store.layout.container(rec.id))
  const theirs = bundleFiles(store.layout.container(id))
  for (const k of ['hosts', 'resolvConf'] as const) await copyFile(theirs[k], mine[k]).catch(() => {})
  return `/proc/${pid}/ns/net`
}

/** Start a container under a detached monitor; resolves once it runs (or fails to start). */
export async function startDetached(store: Store, rec: ContainerRecord, o: { restartCount?: number } = {}): Promise<void> {
  const st = await currentState(store, rec.id)
  if (st.status === 'running') return
  // Started by hand: a stop before no longer holds its restart policy back.
  if (!o.restartCount) await clearStopped(store, rec.id)
  // A container started again still says how its last run ended until the monitor writes the
  // new run's state: only a state written since counts (restart, start of an exited one).
  const fresh = (s: { pid: number; startedAt: string }) => s.pid !== st.pid || s.startedAt !== st.startedAt
  // Likewise the last run's readiness mark and error: gone before this run can write its own.
  const { ready, error } = bundleFiles(store.layout.container(rec.id))
  await Promise.all([rm(ready, { force: true }), rm(error, { force: true })])
  const monitor = monitorScript()
  // The monitor's own words (a start that failed after it began) go beside the container's log,
  // not into it: `store logs` shows what the container wrote, as Docker's does.
  const log = openSync(`${store.layout.container(rec.id)}/monitor.log`, 'a')
  let monitorGone = false
  try {
    const child = spawn(process.execPath, [monitor, store.root, rec.id, ...(o.restartCount ? [String(o.restartCount)] : [])], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...hostEnv(), STORE_DRIVER: rec.driver },
    })
    child.on('exit', () => (monitorGone = true))
    child.unref()
  } finally {
    closeSync(log)
  }
  // Wait until the container's process runs with all its mounts in place (the launcher's mark;
  // as Docker, `run -d` returns only then: a host mount made afterwards under an rprivate bind
  // must not show inside), or until it has ended: for as long as its monitor lives (a loaded
  // machine starts it late; a fixed wait failed starts there), within a bound against a hang.
  for (const give = Date.now() + START_WAIT_MS; ; ) {
    const gone = monitorGone // read before the state: a monitor that wrote its last state and went is seen
    const s = await currentState(store, rec.id)
    if (s.status === 'running' && (await pathExists(ready))) return
    if (s.status === 'exited' && fresh(s)) {
      // Ended before it ran: a setup failure (125) or a command that cannot be exec'd (127,
      // 126). Docker's `run -d` reports these and exits with the status, printing no ID.
      // Or a failure before the launcher ran (a published port that is taken): the state's.
      const now = await readState(store, rec.id)
      const why = (await readFile(error, 'utf8').catch(() => undefined)) ?? (now.exitCode === 125 ? now.error : undefined)
      if (why !== undefined && !(await pathExists(ready))) {
        throw new StoreError(Codes.COMMAND_FAILED, why.trim(), { data: { status: now.exitCode || 125 } })
      }
      return
    }
    if (gone || Date.now() > give) break
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new StoreError(Codes.RUNTIME_UNAVAILABLE, `container ${rec.id.slice(0, 12)} did not start`, {
    hint: `its monitor's log is ${store.layout.container(rec.id)}/monitor.log`,
  })
}

/** How long `run -d` waits for a live monitor to start its container. */
const START_WAIT_MS = 120_000

