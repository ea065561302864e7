// `store exec`: a new process in a running container's namespaces, root and working dir: util-linux
// nsenter and unshare for the built-in launcher, the runtime's own exec for runc and crun.

import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { currentState } from './state.js'
import { bundleFiles, childPids, containerPid } from '../runtime/index.js'
import { resolveUser } from './user.js'
import { shQuote } from '../driver/index.js'
import type { ContainerRecord } from './types.js'

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
    throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `container ${rec.id} is not running`, { exit: 1 })
  }
  const pid = await containerPid(st.launcherPid)
  if (!pid) throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `container ${rec.id} has no init process to join`, { exit: 126 })
  const root = `/proc/${pid}/root`
  const u = o.user ? await resolveUser([root], o.user) : { uid: rec.uid, gid: rec.gid }
  const env: Record<string, string> = {}
  for (const kv of [...rec.env, ...(o.env ?? [])]) {
    const i = kv.indexOf('=')
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1)
  }
  const wd = o.workdir ?? rec.cwd
  let cmd: string
  let argv: string[]
  let spawnEnv: Record<string, string | undefined> = env
  if (rec.launcher === 'builtin') {
    // Into the container's namespaces, then the chroot and the working dir in that order, as the
    // launcher does (`unshare -R -w`). Not nsenter's own -r/-w: it opens the -w path before it
    // enters anything, from the host's root, so the process would start in a host folder.
    const enter = ['nsenter', '-t', String(pid), '-m', '-u', '-i', '-p', ...(rec.network === 'none' ? ['-n'] : []), '--',
      'unshare', '-R', `/proc/${pid}/root`, '-w', wd, '-G', String(u.gid), '-S', String(u.uid), '--', ...o.cmd]
    ;[cmd, ...argv] = enter
    if (o.tty) {
      // A pty from the container's own devpts, as `run -t` gets (lib/runtime/builtin.ts): in a
      // private copy of the container's mount namespace its devpts is bound over /dev/pts, where
      // util-linux script allocates; the process then joins the container as without -t.
      const inner = ['exec', 'env', ...(env.SHELL === undefined ? ['-u', 'SHELL'] : [`SHELL=${env.SHELL}`]), ...enter].map(shQuote).join(' ')
      argv = ['-t', String(pid), '-m', '--', 'unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c',
        'mount --bind "/proc/$1/root/dev/pts" /dev/pts && SHELL=/bin/sh exec script -q -e -f -c "$2" /dev/null', 'sh', String(pid), inner]
    }
  } else {
    // runc/crun: their own `exec` (with -t: it proxies a pty from the container's devpts as their
    // `run` does, under util-linux script for the controlling terminal it needs). Run inside the
    // launcher's PID and mount namespaces: the runtime's state holds PIDs as seen from there.
    const [init] = await childPids(st.launcherPid)
    if (!init) throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `container ${rec.id} has no init process to join`, { exit: 126 })
    const global = ['--root', bundleFiles(store.layout.container(rec.id)).runtimeState, ...(rec.launcher === 'crun' ? ['--cgroup-manager=disabled'] : [])]
    // The whole environment: crun's --env replaces the container's rather than adding to it.
    const envFlags = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`])
    const runtimeExec = [rec.launcher, ...global, 'exec', ...(o.tty ? ['-t'] : []), '--cwd', wd, '--user', `${u.uid}:${u.gid}`, ...envFlags, rec.id, ...o.cmd]
    cmd = 'nsenter'
    argv = ['-t', String(init), '-p', '-m', '--', ...(o.tty ? ['script', '-q', '-e', '-f', '-c', runtimeExec.map(shQuote).join(' '), '/dev/null'] : runtimeExec)]
    spawnEnv = { ...process.env, SHELL: '/bin/sh' }
  }
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: [o.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'], env: spawnEnv })
    p.on('error', (e) => reject(new StoreError(Codes.RUNTIME_UNAVAILABLE, `cannot run nsenter: ${e.message}`)))
    p.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0)))
  })
}
