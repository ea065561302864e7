// `store exec`: a new process in a running container's namespaces, root and working dir,
// through util-linux nsenter (the built-in launcher's init is the launcher's only child).

import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { currentState } from './state.js'
import { containerPid } from '../runtime/index.js'
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
  const args = ['-t', String(pid), '-m', '-u', '-i', '-p', ...(rec.network === 'none' ? ['-n'] : []), '-r', `-w${o.workdir ?? rec.cwd}`, '-S', String(u.uid), '-G', String(u.gid), '--', ...o.cmd]
  let cmd = 'nsenter'
  let argv = args
  if (o.tty && rec.launcher === 'builtin') {
    // A pty from the container's own devpts, as `run -t` gets (lib/runtime/builtin.ts): in a
    // private copy of the container's mount namespace its devpts is bound over /dev/pts, where
    // util-linux script allocates; the process then joins the container as without -t.
    const inner = ['exec', 'env', ...(env.SHELL === undefined ? ['-u', 'SHELL'] : [`SHELL=${env.SHELL}`]), 'nsenter', ...args].map(shQuote).join(' ')
    cmd = 'nsenter'
    argv = ['-t', String(pid), '-m', '--', 'unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c',
      'mount --bind "/proc/$1/root/dev/pts" /dev/pts && SHELL=/bin/sh exec script -q -e -f -c "$2" /dev/null', 'sh', String(pid), inner]
  }
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: [o.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'], env })
    p.on('error', (e) => reject(new StoreError(Codes.RUNTIME_UNAVAILABLE, `cannot run nsenter: ${e.message}`)))
    p.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0)))
  })
}
