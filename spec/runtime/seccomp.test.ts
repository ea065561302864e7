// Docker's seccomp profile resolved for one container (moby setupSeccomp), and the profile parser.

import { describe, expect, test } from 'vitest'
import { isStoreError } from '../../lib/errors.js'
import {
  DOCKER_DEFAULT_SECCOMP, type DockerSeccompProfile, type OciSeccomp, parseSeccompProfile, seccompForContainer, seccompJson,
} from '../../lib/runtime/seccomp.js'
import { DOCKER_DEFAULT_CAPS } from '../../lib/runtime/security.js'

const names = (s: OciSeccomp | undefined) => (s?.syscalls ?? []).flatMap((r) => r.names)
const rulesFor = (s: OciSeccomp | undefined, name: string) => (s?.syscalls ?? []).filter((r) => r.names.includes(name))
const defaults = { caps: DOCKER_DEFAULT_CAPS, arch: 'amd64' as const }

describe('seccompForContainer()', () => {
  test('the default profile on amd64 lists x86_64 with its sub-arches and keeps the errno default', () => {
    const s = seccompForContainer(DOCKER_DEFAULT_SECCOMP, defaults)
    expect(s?.defaultAction).toBe('SCMP_ACT_ERRNO')
    expect(s?.defaultErrnoRet).toBe(1)
    expect(s?.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'])
    expect(names(s)).toEqual(expect.arrayContaining(['read', 'arch_prctl', 'modify_ldt', 'socket', 'personality']))
    for (const n of ['mount', 'unshare', 'setns', 'bpf', 'kexec_load', 'reboot', 'arm_fadvise64_64', 's390_runtime_instr']) {
      expect(names(s)).not.toContain(n)
    }
  })

  test('without CAP_SYS_ADMIN, clone is allowed only without namespace flags and clone3 gets ENOSYS', () => {
    const s = seccompForContainer(DOCKER_DEFAULT_SECCOMP, defaults)
    expect(rulesFor(s, 'clone')).toEqual([
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }] },
    ])
    expect(rulesFor(s, 'clone3')).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }])
  })

  test('CAP_SYS_ADMIN in the bounding set brings mount, unshare, setns and an unconditional clone', () => {
    const s = seccompForContainer(DOCKER_DEFAULT_SECCOMP, { ...defaults, caps: [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN'] })
    expect(names(s)).toEqual(expect.arrayContaining(['mount', 'umount2', 'unshare', 'setns', 'bpf']))
    expect(rulesFor(s, 'clone').map((r) => r.args)).toEqual([undefined])
    expect(rulesFor(s, 'clone3').map((r) => r.action)).toEqual(['SCMP_ACT_ALLOW'])
  })

  test('ptrace and process_vm_* need kernel 4.8; without a kernel version the rule is kept', () => {
    expect(names(seccompForContainer(DOCKER_DEFAULT_SECCOMP, { ...defaults, kernel: [4, 4] }))).not.toContain('ptrace')
    expect(names(seccompForContainer(DOCKER_DEFAULT_SECCOMP, { ...defaults, kernel: [4, 8] }))).toContain('ptrace')
    expect(names(seccompForContainer(DOCKER_DEFAULT_SECCOMP, { ...defaults, kernel: [6, 1] }))).toContain('ptrace')
    expect(names(seccompForContainer(DOCKER_DEFAULT_SECCOMP, defaults))).toContain('ptrace')
  })

  test('arm64 lists aarch64 with arm and takes the arm rules, not the x86 ones', () => {
    const s = seccompForContainer(DOCKER_DEFAULT_SECCOMP, { ...defaults, arch: 'arm64' })
    expect(s?.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'])
    expect(names(s)).toEqual(expect.arrayContaining(['arm_fadvise64_64', 'breakpoint', 'set_tls']))
    expect(names(s)).not.toContain('arch_prctl')
  })

  test('excludes on minKernel drop the rule on a new enough kernel; legacy name becomes names', () => {
    const p: DockerSeccompProfile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { name: 'getpid', action: 'SCMP_ACT_ALLOW' },
        { names: ['open'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
      ],
    }
    expect(seccompForContainer(p, { ...defaults, kernel: [4, 19] })?.syscalls).toEqual([
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW' }, { names: ['open'], action: 'SCMP_ACT_ALLOW' },
    ])
    expect(seccompForContainer(p, { ...defaults, kernel: [5, 0] })).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }],
    })
  })

  test('a profile with neither a default action nor rules turns seccomp off; contradictions are refused in moby\'s words', () => {
    expect(seccompForContainer({ defaultAction: '' as never, syscalls: [] }, defaults)).toBeUndefined()
    const both = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86', subArchitectures: null }], syscalls: [] } as DockerSeccompProfile
    expect(() => seccompForContainer(both, defaults)).toThrow("both 'architectures' and 'archMap' are specified in the seccomp profile")
    const twice = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'read', names: ['write'], action: 'SCMP_ACT_ERRNO' }] } as DockerSeccompProfile
    expect(() => seccompForContainer(twice, defaults)).toThrow("both 'name' and 'names' are specified in the seccomp profile")
  })
})

describe('parseSeccompProfile()', () => {
  test('reads the default profile back from its JSON', () => {
    expect(parseSeccompProfile(JSON.stringify(DOCKER_DEFAULT_SECCOMP))).toEqual(DOCKER_DEFAULT_SECCOMP)
  })

  test('keeps argument values past 2^53 exact, as bigints', () => {
    const p = parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO",' +
      '"args":[{"index":1,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"}]}]}')
    expect(p.syscalls[0].args?.[0]).toEqual({ index: 1, value: 18446744073709551615n, valueTwo: 9007199254740993n, op: 'SCMP_CMP_MASKED_EQ' })
  })

  const refused: [string, string, string][] = [
    ['{"defaultAction": ', '', 'Decoding seccomp profile failed: '],
    ['{"defaultAction":"SCMP_ACT_DENY","syscalls":[]}', 'defaultAction', 'unknown action "SCMP_ACT_DENY"'],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"ALLOW"}]}', 'syscalls[0].action', 'unknown action "ALLOW"'],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}', 'syscalls[0].args[0].index', 'from 0 to 5'],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"EQ"}]}]}', 'syscalls[0].args[0].op', 'unknown operator "EQ"'],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4"}}]}', 'syscalls[0].includes.minKernel', 'invalid kernel version: "4", expected "<kernel>.<major>"'],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":{"names":["read"]}}', 'syscalls', 'must be a list'],
  ]
  test.each(refused)('refuses %s naming the field', (json, field, words) => {
    try {
      parseSeccompProfile(json)
      expect.unreachable()
    } catch (e) {
      expect(isStoreError(e, 'INVALID_ARGUMENT')).toBe(true)
      expect((e as Error).message).toMatch(/^Decoding seccomp profile failed: /)
      expect((e as Error).message).toContain(words)
      expect((e as { data: { field: string } }).data.field).toBe(field)
    }
  })
})

describe('seccompJson()', () => {
  test('writes bigint argument values as plain JSON numbers, exact', () => {
    const text = seccompJson({ args: [{ index: 0, value: 0xffffffff_ffffffffn, valueTwo: 3, op: 'SCMP_CMP_EQ' }] })
    expect(text).toBe('{"args":[{"index":0,"value":18446744073709551615,"valueTwo":3,"op":"SCMP_CMP_EQ"}]}')
    expect(parseSeccompProfile(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO",${text.slice(1, -1)}}]}`)
      .syscalls[0].args?.[0].value).toBe(0xffffffff_ffffffffn)
  })
})
