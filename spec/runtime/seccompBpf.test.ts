// compileSeccompBpf(): the program decides what runc + libseccomp would for the same OCI object.
// Run through a BPF interpreter; the property compares with a direct evaluation of the rules.

import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { isStoreError } from '../../lib/errors.js'
import { SYSCALLS } from '../../lib/runtime/_syscalls.js'
import {
  DOCKER_DEFAULT_SECCOMP, type OciSeccomp, type SeccompAction, type SeccompArg, type SeccompOp, compileSeccompBpf,
  seccompForContainer,
} from '../../lib/runtime/seccomp.js'
import { DOCKER_DEFAULT_CAPS } from '../../lib/runtime/security.js'
import { type SeccompData, checkFilter, runBpf } from './_bpf.js'
import { ALLOW, AUDIT, KILL_THREAD, X32, decide, errno } from './_seccompRef.js'

const EPERM = errno(1)
const ENOSYS = errno(38)
const CLONE_NEWUSER = 0x10000000n
const SIGCHLD = 17n

function filterFor(caps: readonly string[], arch: 'amd64' | 'arm64' = 'amd64') {
  const oci = seccompForContainer(DOCKER_DEFAULT_SECCOMP, { caps: [...caps], arch })!
  const prog = compileSeccompBpf(oci, arch)
  checkFilter(prog)
  return (name: string, args: bigint[] = [], table: keyof typeof SYSCALLS = 'x86_64', audit = AUDIT.x86_64) =>
    runBpf(prog, { nr: SYSCALLS[table][name], arch: audit, args })
}

describe('compileSeccompBpf() on the default profile', () => {
  const call = filterFor(DOCKER_DEFAULT_CAPS)

  test('denies namespace, mount, key, kexec and bpf calls with EPERM; allows ordinary ones', () => {
    for (const n of ['mount', 'umount2', 'unshare', 'setns', 'keyctl', 'add_key', 'kexec_load', 'bpf', 'reboot', 'init_module']) {
      expect([n, call(n)]).toEqual([n, EPERM])
    }
    for (const n of ['read', 'getpid', 'openat', 'execve', 'ptrace', 'arch_prctl', 'fchmodat2', 'futex_waitv']) {
      expect([n, call(n)]).toEqual([n, ALLOW])
    }
  })

  test('personality: the allowed personas only', () => {
    expect(call('personality', [0xffffffffn])).toBe(ALLOW)
    expect(call('personality', [0x8n])).toBe(ALLOW)
    expect(call('personality', [0x1234n])).toBe(EPERM)
    expect(call('personality', [0x1_ffffffffn])).toBe(EPERM) // a high word is compared too
  })

  test('clone without namespace flags is allowed, with CLONE_NEWUSER denied; clone3 gets ENOSYS', () => {
    expect(call('clone', [SIGCHLD])).toBe(ALLOW)
    expect(call('clone', [CLONE_NEWUSER | SIGCHLD])).toBe(EPERM)
    expect(call('clone3')).toBe(ENOSYS)
  })

  test('socket: every family but AF_ALG (38) and AF_VSOCK (40)', () => {
    expect([2n, 37n, 38n, 39n, 40n, 41n].map((f) => call('socket', [f]))).toEqual([ALLOW, ALLOW, EPERM, ALLOW, EPERM, ALLOW])
  })

  test('x32 calls are filtered by the x32 table; i386 calls by the i386 table', () => {
    expect(call('getpid', [], 'x32')).toBe(ALLOW)
    expect(call('unshare', [], 'x32')).toBe(EPERM)
    expect(call('getpid', [], 'x86', AUDIT.i386)).toBe(ALLOW)
    expect(call('socketcall', [1n], 'x86', AUDIT.i386)).toBe(ALLOW)
    expect(call('mount', [], 'x86', AUDIT.i386)).toBe(EPERM)
  })

  test('a number past the largest the profile names gets ENOSYS (runc), another arch is killed', () => {
    const prog = compileSeccompBpf(seccompForContainer(DOCKER_DEFAULT_SECCOMP, { caps: [...DOCKER_DEFAULT_CAPS], arch: 'amd64' })!, 'amd64')
    expect(runBpf(prog, { nr: 1000, arch: AUDIT.x86_64 })).toBe(ENOSYS)
    expect(runBpf(prog, { nr: X32 + 1000, arch: AUDIT.x86_64 })).toBe(ENOSYS)
    expect(runBpf(prog, { nr: 39, arch: AUDIT.aarch64 })).toBe(KILL_THREAD)
    expect(runBpf(prog, { nr: 39, arch: AUDIT.arm })).toBe(KILL_THREAD)
    expect(prog.length / 8).toBeLessThan(1024)
  })

  test('CAP_SYS_ADMIN allows mount, unshare and clone with namespace flags', () => {
    const admin = filterFor([...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN'])
    expect(admin('mount')).toBe(ALLOW)
    expect(admin('unshare')).toBe(ALLOW)
    expect(admin('clone', [CLONE_NEWUSER])).toBe(ALLOW)
    expect(admin('clone3')).toBe(ALLOW)
  })

  test('arm64: aarch64 and arm sections, x86 kills', () => {
    const arm = filterFor(DOCKER_DEFAULT_CAPS, 'arm64')
    expect(arm('getpid', [], 'aarch64', AUDIT.aarch64)).toBe(ALLOW)
    expect(arm('mount', [], 'aarch64', AUDIT.aarch64)).toBe(EPERM)
    expect(arm('set_tls', [], 'arm', AUDIT.arm)).toBe(ALLOW)
    expect(arm('getpid', [], 'x86_64', AUDIT.x86_64)).toBe(KILL_THREAD)
  })
})

// Random profiles, random calls: the program and the direct evaluation agree.
const pool = [...new Set([...Object.keys(SYSCALLS.x86_64).slice(0, 40), 'socket', 'send', 'semop', 'shmget', 'socketcall',
  'ipc', 'personality', 'clone', 'arch_prctl', 'set_tls', 'breakpoint', 'rt_sigaction', 'mseal', 'nosuchcall'])]
const edges = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x1_00000000n, 0x1_00000001n, 0xffffffff_ffffffffn, 0x80000000_00000000n]
const u64 = fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: 0xffffffff_ffffffffn }), fc.bigInt({ min: 0n, max: 64n }))
const argArb: fc.Arbitrary<SeccompArg> = fc.record({
  index: fc.integer({ min: 0, max: 5 }),
  op: fc.constantFrom<SeccompOp>('SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'),
  value: u64,
  valueTwo: u64,
})
const actionArb = fc.constantFrom<SeccompAction>('SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE')
const errnoArb = fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined })
const ociArb: fc.Arbitrary<OciSeccomp> = fc.record({
  defaultAction: actionArb,
  defaultErrnoRet: errnoArb,
  architectures: fc.subarray(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']),
  syscalls: fc.array(fc.record({
    names: fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 4 }),
    action: actionArb,
    errnoRet: errnoArb,
    args: fc.array(argArb, { maxLength: 3 }),
  }), { maxLength: 30 }),
})

const TABLE_AUDIT: [keyof typeof SYSCALLS, number][] = [
  ['x86_64', AUDIT.x86_64], ['x32', AUDIT.x86_64], ['x86', AUDIT.i386], ['aarch64', AUDIT.aarch64], ['arm', AUDIT.arm],
]
const near = (v: bigint) => [v, v - 1n, v + 1n, v & 0xffffffffn, v ^ (1n << 32n), v | (0xabcn << 32n), v >> 32n].map((x) => BigInt.asUintN(64, x))

/** Calls aimed at the profile's rules (a named syscall on some arch, arguments next to the
 * values its conditions compare with), mixed with arbitrary ones. */
function dataArb(oci: OciSeccomp): fc.Arbitrary<SeccompData> {
  const rules = oci.syscalls ?? []
  const any = fc.record({
    nr: fc.oneof(fc.constantFrom(0, 102, 117, 0x40000000, 0x80000000, 0xffffffff), fc.integer({ min: 0, max: 600 }),
      fc.integer({ min: 0, max: 600 }).map((n) => X32 + n), fc.nat({ max: 0xffffffff })),
    arch: fc.constantFrom(...Object.values(AUDIT), 0xc0000028),
    args: fc.array(u64, { minLength: 6, maxLength: 6 }),
  })
  if (!rules.length) return any
  const aimed = fc.tuple(fc.constantFrom(...rules), fc.nat(), fc.constantFrom(...TABLE_AUDIT), fc.array(fc.nat(), { minLength: 6, maxLength: 6 }), fc.array(u64, { minLength: 6, maxLength: 6 }))
    .map(([rule, pick, [table, arch], picks, randoms]): SeccompData => {
      const name = rule.names[pick % rule.names.length]
      const socket = ['socket', 'bind', 'connect', 'send', 'recv', 'accept4'].indexOf(name)
      const mux = table === 'x86' && (pick & 1) && (socket >= 0 || name === 'semop' || name === 'shmget')
      const nr = mux ? (socket >= 0 ? SYSCALLS.x86.socketcall : SYSCALLS.x86.ipc) : SYSCALLS[table][name] ?? pick
      const args = randoms.map((r, i) => {
        const conds = (rule.args ?? []).filter((a) => a.index === i)
        const options = conds.flatMap((c) => [...near(BigInt(c.value)), ...near(BigInt(c.valueTwo ?? 0)), BigInt(c.value) & BigInt(c.valueTwo ?? 0)])
        if (mux && i === 0) options.push(BigInt([1, 2, 3, 9, 10, 18][Math.max(socket, 0)]), 1n, 23n)
        return options.length && picks[i] % 4 !== 0 ? BigInt.asUintN(64, options[picks[i] % options.length]) : r
      })
      return { nr, arch, args }
    })
  return fc.oneof({ arbitrary: aimed, weight: 3 }, { arbitrary: any, weight: 1 })
}

describe('compileSeccompBpf() (property)', () => {
  for (const host of ['amd64', 'arm64'] as const) {
    test(`decides as runc + libseccomp would, on random profiles and calls (${host})`, () => {
      const prop = fc.property(ociArb.chain((oci) => fc.tuple(fc.constant(oci), fc.array(dataArb(oci), { minLength: 20, maxLength: 20 }))), ([oci, calls]) => {
        const prog = compileSeccompBpf(oci, host)
        checkFilter(prog)
        for (const d of calls) expect(runBpf(prog, d)).toBe(decide(oci, host, d))
      })
      fc.assert(prop, { seed: 42, numRuns: 300 }) // a failure prints the seed and the path to replay it
    })
  }

  test('a long profile needs jumps past 255 and still decides right', () => {
    const names = Object.keys(SYSCALLS.x86_64).filter((_, i) => i % 2 === 0)
    const oci: OciSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: names.map((n, i) => ({ names: [n], action: 'SCMP_ACT_ALLOW', args: [{ index: i % 6, value: i, op: 'SCMP_CMP_GE' as const }] })),
    }
    const prog = compileSeccompBpf(oci, 'amd64')
    checkFilter(prog)
    expect(prog.length / 8).toBeGreaterThan(1024)
    fc.assert(fc.property(dataArb(oci), (d) => { expect(runBpf(prog, d)).toBe(decide(oci, "amd64", d)) }), { seed: 42, numRuns: 2000 })
  })

  test('a profile past the kernel limit of 4096 instructions is refused', () => {
    const oci: OciSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: Object.keys(SYSCALLS.x86_64).map((n, i) => ({ names: [n], action: 'SCMP_ACT_ALLOW',
        args: [0, 1, 2].map((index) => ({ index, value: i + index + 0x1_00000000, op: 'SCMP_CMP_NE' as const })) })),
    }
    try {
      compileSeccompBpf(oci, 'amd64')
      expect.unreachable()
    } catch (e) {
      expect(isStoreError(e, 'INVALID_ARGUMENT')).toBe(true)
      expect((e as Error).message).toMatch(/seccomp filter too large: \d+ instructions/)
    }
  })
})
