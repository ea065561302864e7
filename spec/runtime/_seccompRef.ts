// The decision runc + libseccomp make for one syscall, computed straight from the OCI object
// (test helper; written apart from lib/runtime/_seccompPlan.ts so the two check each other).
// The rules it follows are listed at the top of _seccompPlan.ts.

import { SYSCALLS, type SyscallArch } from '../../lib/runtime/_syscalls.js'
import type { OciSeccomp, SeccompAction, SeccompArg } from '../../lib/runtime/seccomp.js'
import type { SeccompData } from './_bpf.js'

export const AUDIT = { x86_64: 0xc000003e, i386: 0x40000003, aarch64: 0xc00000b7, arm: 0x40000028 }
export const X32 = 0x40000000
export const KILL_THREAD = 0
export const ALLOW = 0x7fff0000
export const errno = (e: number) => 0x50000 | e

const SCMP: Record<string, SyscallArch> = {
  SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'aarch64', SCMP_ARCH_ARM: 'arm',
}
const SOCKET = ['socket', 'bind', 'connect', 'listen', 'accept', 'getsockname', 'getpeername', 'socketpair', 'send',
  'recv', 'sendto', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg', 'accept4', 'recvmmsg', 'sendmmsg']
const IPC: Record<string, number> = { semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13,
  msgctl: 14, shmat: 21, shmdt: 22, shmget: 23, shmctl: 24 }

export function ret(action: SeccompAction, e?: number): number {
  const table: Record<string, number> = {
    SCMP_ACT_KILL: 0, SCMP_ACT_KILL_THREAD: 0, SCMP_ACT_KILL_PROCESS: 0x80000000, SCMP_ACT_TRAP: 0x30000,
    SCMP_ACT_ERRNO: 0x50000 | (e ?? 1), SCMP_ACT_TRACE: 0x7ff00000 | (e ?? 1), SCMP_ACT_LOG: 0x7ffc0000, SCMP_ACT_ALLOW: ALLOW,
  }
  return table[action]
}

export function decide(s: OciSeccomp, host: 'amd64' | 'arm64', d: SeccompData): number {
  const def = ret(s.defaultAction, s.defaultErrnoRet)
  const listed = new Set((s.architectures ?? []).map((a) => SCMP[a]))
  listed.add(host === 'amd64' ? 'x86_64' : 'aarch64')
  const nr = d.nr >>> 0
  let arch: SyscallArch | undefined
  if (host === 'amd64' && d.arch === AUDIT.x86_64) arch = nr & X32 && listed.has('x32') ? 'x32' : 'x86_64'
  else if (host === 'amd64' && d.arch === AUDIT.i386 && listed.has('x86')) arch = 'x86'
  else if (host === 'arm64' && d.arch === AUDIT.aarch64) arch = 'aarch64'
  else if (host === 'arm64' && d.arch === AUDIT.arm && listed.has('arm')) arch = 'arm'
  if (!arch) return KILL_THREAD
  // runc's stub first; on x86_64 it picks the x32 bound when bit 30 is set (and skips x32 calls
  // when x32 is not listed).
  if (!['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(s.defaultAction)) {
    const bitSet = arch !== 'x86' && arch !== 'arm' && arch !== 'aarch64' && (nr & X32) !== 0
    const boundArch: SyscallArch | undefined = bitSet ? (listed.has('x32') ? 'x32' : undefined) : arch === 'x32' ? 'x86_64' : arch
    if (boundArch) {
      const max = Math.max(0, ...(s.syscalls ?? []).flatMap((r) => r.names.map((n) => SYSCALLS[boundArch][n] ?? 0)))
      if (max > 0 && nr > max) return errno(38) // runc: a largest number of 0 means none found
    }
  }
  // libseccomp: without x32 in the filter, x86_64 numbers from bit 30 up are a bad arch, but -1.
  if (arch === 'x86_64' && !listed.has('x32') && nr >= X32) return nr === 0xffffffff ? def : KILL_THREAD
  const table = SYSCALLS[arch]
  // libseccomp's rules for this number, in the order they are added.
  const rules: { args: SeccompArg[]; r: number }[] = []
  for (const sc of s.syscalls ?? []) {
    const r = ret(sc.action, sc.errnoRet)
    if (r === def) continue
    const args = sc.args ?? []
    const split = new Set(args.map((a) => a.index)).size < args.length
    for (const name of sc.names) {
      for (const group of split ? args.map((a) => [a]) : [args]) {
        const call = SOCKET.indexOf(name) + 1 || IPC[name]
        const mux = arch === 'x86' && call ? (SOCKET.includes(name) ? table.socketcall : table.ipc) : undefined
        if (mux === nr) rules.push({ args: [...group.filter((a) => a.index !== 0), { index: 0, op: 'SCMP_CMP_EQ', value: call }], r })
        if (table[name] === nr) rules.push({ args: group, r })
      }
    }
  }
  const wide = arch === 'x86_64' || arch === 'aarch64'
  const live = rules.map((x) => ({ ...x, args: x.args.filter((a) => a.op !== 'SCMP_CMP_MASKED_EQ' || trunc(a.value, wide) !== 0n) }))
  const first = live.find((x) => x.args.length === 0)
  if (first) return first.r
  return live.find((x) => x.args.every((a) => holds(a, d.args?.[a.index] ?? 0n, wide)))?.r ?? def
}

const trunc = (v: number | bigint, wide: boolean) => BigInt.asUintN(wide ? 64 : 32, BigInt(v))

function holds(a: SeccompArg, arg: bigint, wide: boolean): boolean {
  const x = trunc(arg, wide)
  const v = trunc(a.value, wide)
  switch (a.op) {
    case 'SCMP_CMP_EQ': return x === v
    case 'SCMP_CMP_NE': return x !== v
    case 'SCMP_CMP_LT': return x < v
    case 'SCMP_CMP_LE': return x <= v
    case 'SCMP_CMP_GT': return x > v
    case 'SCMP_CMP_GE': return x >= v
    case 'SCMP_CMP_MASKED_EQ': return (x & v) === (trunc(a.valueTwo ?? 0, wide) & v)
  }
}
