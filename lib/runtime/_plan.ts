// The plan file that the native launcher (native/, `store-launch run|exec PLAN`) reads: NUL-
// terminated tokens, a keyword then its arguments (native/plan.c has the grammar). It carries
// the process's environment, so it is written 0600 and never passed in an argv. Pure.

import type { OciSpec } from './types.js'
import { capabilityMask } from './security.js'

const CLONE: Record<string, number> = {
  mount: 0x00020000, uts: 0x04000000, ipc: 0x08000000, network: 0x40000000, pid: 0x20000000, cgroup: 0x02000000,
}

const RLIMIT: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5, RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
}

export interface PlanFiles {
  setup?: string
  /** The root's mounts, when they leave a daemon: run one PID namespace above the container. */
  rootfs?: string
  ready?: string
  error?: string
  seccomp?: string
}

export interface PlanOptions {
  /** run: the pid that spawns the launcher (it dies with that process). */
  parent?: number
  /** exec: a process of the container to join. */
  target?: number
  /** runc/crun: PID 1 execs the setup script, whose last line starts the runtime. */
  hostexec?: boolean
  /** Not root: a user namespace that maps our ids to 0. */
  userns: boolean
  /** A network namespace besides the spec's (the bridge network: runc/crun must not make one). */
  netns?: boolean
  /** run: a network namespace to join instead (`--network container:NAME`). */
  joinNetns?: string
}

/** The plan for the container (or exec) process `spec.process`, in `spec`'s namespaces. */
export function encodePlan(spec: OciSpec, files: PlanFiles, o: PlanOptions): Uint8Array {
  const p = spec.process
  const t: string[] = []
  const rec = (...w: (string | number)[]) => t.push(...w.map(String))
  rec('ns', (spec.linux.namespaces.reduce((m, n) => m | (CLONE[n.type] ?? 0), 0) | (o.netns ? CLONE.network : 0)) & ~(CLONE.mount | CLONE.pid))
  rec('userns', o.userns ? 1 : 0)
  rec('root', spec.root.path)
  if (files.rootfs) rec('rootfs', files.rootfs)
  if (o.joinNetns) rec('netns', o.joinNetns)
  if (files.setup) rec('setup', files.setup)
  if (o.hostexec) rec('hostexec', 1)
  if (files.ready) rec('ready', files.ready)
  if (files.error) rec('error', files.error)
  if (o.parent) rec('parent', o.parent)
  if (o.target) rec('target', o.target)
  rec('cwd', p.cwd || '/')
  rec('user', p.user.uid, p.user.gid)
  // In a user namespace of our own, setgroups(2) is denied (and only uid 0 exists).
  if (!o.userns) rec('groups', (p.user.additionalGids ?? []).length, ...(p.user.additionalGids ?? []))
  const c = p.capabilities
  const hex = (names?: string[]) => capabilityMask(names ?? [])
  rec('caps', hex(c?.bounding), hex(c?.effective), hex(c?.permitted), hex(c?.inheritable), hex(c?.ambient))
  rec('nnp', p.noNewPrivileges ? 1 : 0)
  if (files.seccomp) rec('seccomp', files.seccomp)
  for (const l of p.rlimits ?? []) {
    if (RLIMIT[l.type] === undefined) continue
    rec('rlimit', RLIMIT[l.type], l.soft, l.hard)
  }
  rec('tty', p.terminal ? 1 : 0)
  rec('args', p.args.length, ...p.args)
  const env = p.env.filter((e) => e.indexOf('=') > 0)
  rec('env', env.length, ...env)
  return new TextEncoder().encode(t.map((w) => `${w}\0`).join(''))
}
