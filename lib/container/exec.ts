// `store exec`: a new process in a running container's namespaces, root and working dir, with
// its capabilities, seccomp profile and user: the native launcher's `exec` for the built-in
// launcher, the runtime's own `exec --process` for runc and crun.

import { existsSync } from 'node:fs'
import { isBridged } from '../network/index.js'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { constants } from 'node:os'
import { launcherBinary } from '../_paths.js'
import { readJson } from '../_fs.js'
import { encodePlan } from '../runtime/_plan.js'
import type { OciSpec } from '../runtime/index.js'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { currentState } from './state.js'
import { bundleFiles, childPids, containerPid, seccompFilter } from '../runtime/index.js'
import { resolveUser } from './user.js'
import { readInRoot } from '../fsroot/index.js'
import { shQuote } from '../driver/index.js'
import type { ContainerRecord } from './types.js'
import { hostEnv } from '../config.js'
import { pidExists } from '../_pid.js'

export interface ExecOptions {
  cmd: string[]
  env?: string[]
  user?: string
  workdir?: string
  interactive?: boolean
  /** A pseudo-terminal for the process (`exec -t`). */
  tty?: boolean
}

export async function execInContainer(store: Store, rec: ContainerRecord, o: ExecOptions): Promise<number> {
  const st = await currentState(store, rec.id)
  if (st.status !== 'running' || !st.launcherPid) {
    throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `container ${rec.id} is not running`)
  }
  const pid = await containerPid(st.launcherPid, rec.launcher)
  if (!pid) throw new StoreError(Codes.EXEC_FAILED, `container ${rec.id} has no init process to join`)
  // The container runs: its /etc is read with every dir held open (a swap cannot reach the host).
  const root = `/proc/${pid}/root`
  const u = o.user ? await resolveUser((rel) => readInRoot(root, rel), o.user) : { uid: rec.uid, gid: rec.gid }
  const env: Record<string, string> = {}
  const put = (kv: string) => {
    const i = kv.indexOf('=')
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1)
  }
  // Docker's exec: the container's env, TERM=xterm with -t unless it has a TERM, then -e.
  rec.env.forEach(put)
  if (o.tty && !('TERM' in env)) env.TERM = 'xterm'
  o.env?.forEach(put)
  const wd = o.workdir ?? rec.cwd
  const dir = store.layout.container(rec.id)
  const f = bundleFiles(dir)
  const config = await readJson<OciSpec>(f.config)
  if (!config) throw new StoreError(Codes.EXEC_FAILED, `container ${rec.id} has no config.json`)
  const process_: OciSpec['process'] = {
    ...config.process,
    terminal: !!o.tty,
    user: { uid: u.uid, gid: u.gid, additionalGids: 'additionalGids' in u ? u.additionalGids : config.process.user.additionalGids },
    args: o.cmd,
    env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    cwd: wd,
    // Docker's exec gets the container's capability sets, adjusted to its own user.
    capabilities: config.process.capabilities && forUser(config.process.capabilities, u.uid),
  }
  // The environment goes in a file (0600) the launcher reads, never in an argv.
  const planFile = `${dir}/exec-${randomBytes(8).toString('hex')}.${rec.launcher === 'builtin' ? 'plan' : 'json'}`
  let cmd: string
  let argv: string[]
  let consoleSocket: string | undefined
  if (rec.launcher === 'builtin') {
    const seccomp = config.linux.seccomp && (await seccompFilter(config.linux.seccomp, f.seccomp, store.layout.seccompFilter))
    const plan = encodePlan({ ...config, process: process_ }, { seccomp }, { target: pid, userns: process.getuid?.() !== 0, netns: isBridged(rec.network) || rec.network.startsWith('container:') })
    await writeFile(planFile, plan, { mode: 0o600 })
    cmd = launcherBinary()
    argv = ['exec', planFile]
  } else {
    // runc/crun: their own `exec --process` (with -t: it proxies a pty from the container's
    // devpts as their `run` does, under util-linux script for the controlling terminal it
    // needs). Run inside the launcher's PID and mount namespaces: the runtime's state holds
    // PIDs as seen from there.
    const [init] = await childPids(st.launcherPid)
    if (!init) throw new StoreError(Codes.EXEC_FAILED, `container ${rec.id} has no init process to join`)
    await writeFile(planFile, JSON.stringify(process_), { mode: 0o600 })
    const global = ['--root', f.runtimeState, ...(rec.launcher === 'crun' ? ['--cgroup-manager=disabled'] : [])]
    // crun marks the container ready from its createRuntime hook, before it writes its own
    // state: an exec right after `run -d` must wait for that state, or crun says the container
    // does not exist. For as long as the launcher lives (a fixed wait is a race on a loaded
    // machine), within a bound against a hang.
    const stateFile = `${f.runtimeState}/${rec.id}/${rec.launcher === 'crun' ? 'status' : 'state.json'}`
    for (const give = Date.now() + 60_000; !existsSync(stateFile) && pidExists(st.launcherPid) && Date.now() < give; ) await new Promise((r) => setTimeout(r, 20))
    // crun with -t sends the pty to our console socket (its own proxy logs the last output as
    // an error: see native/console.c); runc proxies its own, under util-linux script.
    consoleSocket = rec.launcher === 'crun' && o.tty ? planFile.replace(/\.json$/, '.sock') : undefined
    const runtimeExec = [rec.launcher, ...global, 'exec', ...(consoleSocket ? ['--console-socket', consoleSocket] : []), '--process', planFile, rec.id]
    // The bridge's network namespace is the launcher's PID 1's (config.json has none).
    const entered = ['nsenter', '-t', String(init), '-p', '-m', ...(isBridged(rec.network) || rec.network.startsWith('container:') ? ['-n'] : []), '--']
    const line = consoleSocket
      ? [launcherBinary(), 'console', consoleSocket, ...entered, ...runtimeExec]
      : [...entered, ...(o.tty ? ['script', '-q', '-e', '-f', '-c', runtimeExec.map(shQuote).join(' '), '/dev/null'] : runtimeExec)]
    cmd = line[0]
    argv = line.slice(1)
  }
  try {
    return await new Promise<number>((resolve, reject) => {
      const p = spawn(cmd, argv, { stdio: [o.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'], env: { ...hostEnv(), SHELL: '/bin/sh' } })
      p.on('error', (e) => reject(new StoreError(Codes.RUNTIME_UNAVAILABLE, `cannot run ${cmd}: ${e.message}`)))
      p.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0)))
    })
  } finally {
    await Promise.all([rm(planFile, { force: true }), consoleSocket && rm(consoleSocket, { force: true })])
  }
}

/** The container's bounding set; effective and permitted only for root (moby's exec, as its run). */
function forUser(c: NonNullable<OciSpec['process']['capabilities']>, uid: number): NonNullable<OciSpec['process']['capabilities']> {
  const own = uid === 0 ? c.bounding : []
  return { ...c, effective: own, permitted: own, ambient: [] }
}
