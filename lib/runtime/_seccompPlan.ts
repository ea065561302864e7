// What the filter decides, before any instruction is written: for each arch the kernel can report
// on this host, a map from every syscall number (0..2^32-1, as segments) to an outcome. This is
// where runc's and libseccomp's rules live; seccompBpf.ts only turns the map into code.
//
// The rules, as runc 1.x + libseccomp 2.5/2.6 apply them (sources read: runc libcontainer/seccomp,
// libseccomp src/db.c, gen_bpf.c, syscalls.c):
// - Each name of each OCI rule is one libseccomp rule; a rule whose action equals the default
//   action is skipped (runc matchCall). Conditions are ANDed, except that when two name the same
//   argument runc adds each as a rule of its own (ORed).
// - A name the arch does not have is skipped on that arch. On x86 (i386) the socket and SysV IPC
//   calls also get a rule on socketcall/ipc with argument 0 equal to the call number.
// - For one syscall the first unconditional rule wins over everything; otherwise the conditional
//   rules apply (first match here; libseccomp merges same-action rules into one tree and refuses
//   most overlaps of different actions, so the order only matters for profiles it would reject).
// - Conditions compare 64-bit arguments on 64-bit arches and the low 32 bits on x86, x32 and arm.
//   MASKED_EQ is (arg & mask) == (datum & mask); one with a zero mask is dropped.
// - x86_64 and x32 share AUDIT_ARCH_X86_64 (x32 numbers carry bit 30): with both listed they
//   share one table; with x32 absent every nr >= 2^30 gets the bad-arch action, except nr -1.
// - runc's -ENOSYS stub (patchbpf): unless the default action is ALLOW, LOG or TRACE, a number
//   above the largest one the profile names on that arch gets ERRNO(ENOSYS), so new syscalls look
//   absent rather than forbidden and libc falls back. (A largest number of 0 counts as none.)
//   On x86_64 the stub picks the x32 or the x86_64 bound by bit 30 alone, so 0x80000000 is
//   measured against the x86_64 one.
// - Any other arch gets the bad-arch action: SCMP_ACT_KILL (kill the thread), libseccomp's
//   default, which runc does not change.
// spec/runtime/seccompRunc.test.ts checks all of this against the filter runc really loads.

import { Codes, StoreError } from '../errors.js'
import { SYSCALLS, type SyscallArch } from './_syscalls.js'
import type { OciSeccomp, SeccompAction, SeccompHostArch, SeccompOp } from './_seccompTypes.js'

/** SECCOMP_RET_* values the kernel reads from a filter's return. */
export const RET = {
  KILL_PROCESS: 0x80000000, KILL_THREAD: 0, TRAP: 0x00030000, ERRNO: 0x00050000,
  TRACE: 0x7ff00000, LOG: 0x7ffc0000, ALLOW: 0x7fff0000,
} as const
export const AUDIT_ARCH = { x86_64: 0xc000003e, x86: 0x40000003, aarch64: 0xc00000b7, arm: 0x40000028 } as const
export const X32_BIT = 0x40000000
const EPERM = 1
const ENOSYS = 38
const U32_MAX = 0xffffffff

export interface Cond { index: number; op: SeccompOp; value: bigint; valueTwo: bigint }
/** Conditions (ANDed) and the return value when they hold; `wide` compares all 64 bits. */
export interface Rule { conds: Cond[]; ret: number; wide: boolean }
export type Outcome = { ret: number } | { rules: Rule[]; otherwise: number }
/** Numbers lo..hi (inclusive) share one outcome; a section's segments cover 0..2^32-1 in order. */
export interface Segment { lo: number; hi: number; outcome: Outcome }
export interface Section { audit: number; segments: Segment[] }
export interface Plan { sections: Section[]; badArch: number }

const SCMP_ARCH: Record<string, SyscallArch> = {
  SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'aarch64', SCMP_ARCH_ARM: 'arm',
}
/** Arches a kernel of this kind can report; others in the list can never match and are left out. */
const HOST_ARCHES: Record<SeccompHostArch, SyscallArch[]> = { amd64: ['x86_64', 'x86', 'x32'], arm64: ['aarch64', 'arm'] }

// i386 multiplexers: SYS_* call numbers of socketcall(102) and ipc(117) (linux/net.h, ipc.h).
const SOCKETCALL = ['socket', 'bind', 'connect', 'listen', 'accept', 'getsockname', 'getpeername', 'socketpair',
  'send', 'recv', 'sendto', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg', 'accept4',
  'recvmmsg', 'sendmmsg']
const IPC: Record<string, number> = { semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12,
  msgget: 13, msgctl: 14, shmat: 21, shmdt: 22, shmget: 23, shmctl: 24 }
function muxOf(name: string): [nr: number, call: number] | undefined {
  const s = SOCKETCALL.indexOf(name)
  if (s >= 0) return [SYSCALLS.x86.socketcall, s + 1]
  return IPC[name] === undefined ? undefined : [SYSCALLS.x86.ipc, IPC[name]]
}

/** The kernel return value for an OCI action (runc getAction: ERRNO and TRACE default to EPERM). */
export function actionRet(action: SeccompAction, errno: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_KILL': case 'SCMP_ACT_KILL_THREAD': return RET.KILL_THREAD
    case 'SCMP_ACT_KILL_PROCESS': return RET.KILL_PROCESS
    case 'SCMP_ACT_TRAP': return RET.TRAP
    case 'SCMP_ACT_ERRNO': return RET.ERRNO | ((errno ?? EPERM) & 0xffff)
    case 'SCMP_ACT_TRACE': return (RET.TRACE | ((errno ?? EPERM) & 0xffff)) >>> 0
    case 'SCMP_ACT_LOG': return RET.LOG
    case 'SCMP_ACT_ALLOW': return RET.ALLOW
    default:
      throw new StoreError(Codes.INVALID_ARGUMENT, `seccomp action ${action} is not supported here`, {
        hint: 'SCMP_ACT_NOTIFY needs a seccomp agent listening on a socket; use runc for such profiles',
      })
  }
}

export function seccompPlan(s: OciSeccomp, host: SeccompHostArch): Plan {
  const def = actionRet(s.defaultAction, s.defaultErrnoRet)
  const main = HOST_ARCHES[host][0]
  const listed = new Set<SyscallArch>([main])
  for (const a of s.architectures ?? []) if (HOST_ARCHES[host].includes(SCMP_ARCH[a])) listed.add(SCMP_ARCH[a])
  const stub = !['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(s.defaultAction)
  const tables = new Map([...listed].map((a) => [a, new Map<number, Rule[]>()]))
  const uncond = new Map([...listed].map((a) => [a, new Map<number, number>()]))
  const add = (arch: SyscallArch, nr: number, rule: Rule) => {
    if (uncond.get(arch)!.has(nr)) return
    if (rule.conds.length === 0) uncond.get(arch)!.set(nr, rule.ret)
    else tables.get(arch)!.set(nr, [...(tables.get(arch)!.get(nr) ?? []), rule])
  }
  for (const sc of s.syscalls ?? []) {
    const ret = actionRet(sc.action, sc.errnoRet)
    if (ret === def) continue
    const conds = (sc.args ?? []).map((a) => ({ index: a.index, op: a.op, value: BigInt(a.value), valueTwo: BigInt(a.valueTwo ?? 0) }))
    const repeated = new Set(conds.map((c) => c.index)).size < conds.length
    const groups = repeated ? conds.map((c) => [c]) : [conds]
    for (const name of sc.names) {
      for (const arch of listed) {
        const wide = arch === 'x86_64' || arch === 'aarch64'
        for (const g of groups) {
          const mux = arch === 'x86' ? muxOf(name) : undefined
          if (mux) add(arch, mux[0], rule([...g.filter((c) => c.index !== 0), eq(0, mux[1])], ret, wide))
          const nr = SYSCALLS[arch][name]
          if (nr !== undefined) add(arch, nr, rule(g, ret, wide))
        }
      }
    }
  }
  const rulesAt = (arch: SyscallArch, nr: number): Outcome => {
    const u = uncond.get(arch)!.get(nr)
    const rules = tables.get(arch)!.get(nr)
    return u !== undefined ? { ret: u } : rules ? { rules, otherwise: def } : { ret: def }
  }
  /** runc's stub bound: the largest number the profile names on the arch (0 counts as none). */
  const bound = (arch: SyscallArch) => {
    const max = Math.max(0, ...(s.syscalls ?? []).flatMap((sc) => sc.names.map((n) => SYSCALLS[arch][n] ?? 0)))
    return stub && listed.has(arch) && max > 0 ? max : undefined
  }
  const named = (...arches: SyscallArch[]) =>
    arches.filter((a) => listed.has(a)).flatMap((a) => [...uncond.get(a)!.keys(), ...tables.get(a)!.keys()]).flatMap((n) => [n, n + 1])
  const sections: Section[] = []
  const enosys = { ret: RET.ERRNO | ENOSYS }
  if (main === 'x86_64') {
    // runc's stub tells x32 from x86_64 by bit 30 (jset); libseccomp's ABI check is nr >= bit 30.
    const [m64, m32, x32] = [bound('x86_64'), bound('x32'), listed.has('x32')]
    const at = (nr: number): Outcome => {
      const bit = (nr & X32_BIT) !== 0
      if (bit ? m32 !== undefined && nr > m32 : m64 !== undefined && nr > m64) return enosys
      if (!x32 && nr >= X32_BIT) return { ret: nr === U32_MAX ? def : RET.KILL_THREAD }
      return rulesAt(bit && x32 ? 'x32' : 'x86_64', nr)
    }
    const cuts = [...named('x86_64', 'x32'), X32_BIT, 0x80000000, 0xc0000000, U32_MAX, (m64 ?? -1) + 1, (m32 ?? -1) + 1]
    sections.push({ audit: AUDIT_ARCH.x86_64, segments: segments(cuts, at) })
  }
  for (const arch of ['aarch64', 'x86', 'arm'] as const) {
    if (!listed.has(arch)) continue
    const m = bound(arch)
    const at = (nr: number): Outcome => (m !== undefined && nr > m ? enosys : rulesAt(arch, nr))
    sections.push({ audit: AUDIT_ARCH[arch], segments: segments([...named(arch), (m ?? -1) + 1], at) })
  }
  return { sections, badArch: RET.KILL_THREAD }
}

function rule(conds: Cond[], ret: number, wide: boolean): Rule {
  const mask = wide ? (1n << 64n) - 1n : 0xffffffffn
  return { conds: conds.filter((c) => c.op !== 'SCMP_CMP_MASKED_EQ' || (c.value & mask) !== 0n), ret, wide }
}
const eq = (index: number, v: number): Cond => ({ index, op: 'SCMP_CMP_EQ', value: BigInt(v), valueTwo: 0n })

/**
 * Cuts 0..2^32-1 at `cuts` (numbers where `at` may change its answer) and asks `at` once per
 * piece; equal neighbouring returns merge, so the search tree stays small.
 */
function segments(cuts: number[], at: (nr: number) => Outcome): Segment[] {
  const starts = [...new Set([0, ...cuts.filter((c) => c > 0 && c <= U32_MAX)])].sort((a, b) => a - b)
  const out: Segment[] = []
  starts.forEach((lo, i) => {
    const hi = i + 1 < starts.length ? starts[i + 1] - 1 : U32_MAX
    const o = at(lo)
    const last = out[out.length - 1]
    if (last && 'ret' in last.outcome && 'ret' in o && last.outcome.ret === o.ret) last.hi = hi
    else out.push({ lo, hi, outcome: o })
  })
  return out
}
