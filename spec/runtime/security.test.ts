// Docker's capability flags and --security-opt, resolved as moby and the docker CLI do.

import { describe, expect, test } from 'vitest'
import { isStoreError } from '../../lib/errors.js'
import {
  ALL_CAPS, DOCKER_DEFAULT_CAPS, capabilityMask, effectiveSeccomp, parseSecurityOpts, resolveCapabilities,
} from '../../lib/runtime/security.js'

function refusal(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    expect(isStoreError(e, 'INVALID_ARGUMENT')).toBe(true)
    return (e as Error).message
  }
  throw new Error('expected a refusal')
}

describe('capabilities', () => {
  test("Docker's default set is CapEff 00000000a80425fb", () => {
    expect(DOCKER_DEFAULT_CAPS).toHaveLength(14)
    expect(capabilityMask(resolveCapabilities({}).effective)).toBe('00000000a80425fb')
  })

  test('the kernel order gives bit numbers: CAP_SYS_ADMIN is 21, CAP_CHECKPOINT_RESTORE 40; all is 000001ffffffffff', () => {
    expect(ALL_CAPS.indexOf('CAP_SYS_ADMIN')).toBe(21)
    expect(ALL_CAPS).toHaveLength(41)
    expect(capabilityMask(['CAP_SYS_ADMIN'])).toBe('0000000000200000')
    expect(capabilityMask(ALL_CAPS)).toBe('000001ffffffffff')
  })

  test('bounding, effective and permitted are the same set; inheritable and ambient stay empty', () => {
    const c = resolveCapabilities({ capAdd: ['NET_ADMIN'] })
    expect(c.bounding).toEqual([...DOCKER_DEFAULT_CAPS, 'CAP_NET_ADMIN'])
    expect(c.effective).toEqual(c.bounding)
    expect(c.permitted).toEqual(c.bounding)
    expect(c.inheritable).toEqual([])
    expect(c.ambient).toEqual([])
  })

  test('names are accepted without CAP_ and in any case; a cap already there is not listed twice', () => {
    expect(resolveCapabilities({ capAdd: ['sys_admin', 'Cap_Chown'] }).bounding).toEqual([...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN'])
    expect(resolveCapabilities({ capDrop: ['net_raw', 'CAP_MKNOD'] }).bounding).toEqual(
      DOCKER_DEFAULT_CAPS.filter((c) => c !== 'CAP_NET_RAW' && c !== 'CAP_MKNOD'))
  })

  test('--cap-add ALL --cap-drop X is every capability but X; --cap-drop ALL keeps only the added ones', () => {
    const all = resolveCapabilities({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN', 'net_admin'] })
    expect(all.bounding).toEqual(ALL_CAPS.filter((c) => c !== 'CAP_SYS_ADMIN' && c !== 'CAP_NET_ADMIN'))
    expect(capabilityMask(all.effective)).toBe('000001ffffdfefff')
    expect(resolveCapabilities({ capDrop: ['all'], capAdd: ['chown', 'kill'] }).bounding).toEqual(['CAP_CHOWN', 'CAP_KILL'])
    expect(resolveCapabilities({ capDrop: ['ALL'] }).bounding).toEqual([])
  })

  test('--privileged is every capability the host can give, whatever else is asked', () => {
    expect(resolveCapabilities({ privileged: true, capDrop: ['ALL'] }).bounding).toEqual([...ALL_CAPS])
    const host = ALL_CAPS.filter((c) => c !== 'CAP_SYS_RESOURCE')
    expect(resolveCapabilities({ privileged: true, available: host }).bounding).toEqual(host)
  })

  test('an unknown capability gets moby\'s message; a known one the host lacks its own', () => {
    expect(refusal(() => resolveCapabilities({ capAdd: ['FOO'] }))).toBe('unknown capability: "CAP_FOO"')
    expect(refusal(() => resolveCapabilities({ capDrop: ['cap_bar'] }))).toBe('unknown capability: "CAP_BAR"')
    expect(refusal(() => resolveCapabilities({ capAdd: ['SYS_RESOURCE'], available: ['CAP_CHOWN'] }))).toBe(
      'capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"')
  })

  test('a non-root user gets the same sets (moby v25+); the kernel drops effective/permitted at exec', () => {
    expect(resolveCapabilities({ uid: 1000 })).toEqual(resolveCapabilities({ uid: 0 }))
    expect(capabilityMask(resolveCapabilities({ uid: 1000 }).permitted)).toBe('00000000a80425fb')
  })
})

describe('parseSecurityOpts()', () => {
  test('nothing given: no no_new_privs, the default seccomp profile, system paths masked', () => {
    expect(parseSecurityOpts([])).toEqual({ noNewPrivileges: false, seccomp: 'default', systemPaths: 'default' })
  })

  test.each([
    [['no-new-privileges'], true],
    [['no-new-privileges=true'], true],
    [['no-new-privileges=1'], true],
    [['no-new-privileges:true'], true],
    [['no-new-privileges', 'no-new-privileges=false'], false],
    [['no-new-privileges=False'], false],
  ])('%j sets no_new_privs to %s', (opts, want) => {
    expect(parseSecurityOpts(opts).noNewPrivileges).toBe(want)
  })

  test('seccomp: builtin and unconfined are names, anything else a file (legacy colon form too)', () => {
    expect(parseSecurityOpts(['seccomp=unconfined']).seccomp).toBe('unconfined')
    expect(parseSecurityOpts(['seccomp=builtin']).seccomp).toBe('default')
    expect(parseSecurityOpts(['seccomp=/etc/p.json']).seccomp).toEqual({ file: '/etc/p.json' })
    expect(parseSecurityOpts(['seccomp:/etc/p.json']).seccomp).toEqual({ file: '/etc/p.json' })
    expect(parseSecurityOpts(['seccomp=default']).seccomp).toEqual({ file: 'default' }) // as docker: no such name
  })

  test('apparmor, label (repeatable), writable-cgroups and systempaths=unconfined', () => {
    expect(parseSecurityOpts(['apparmor=docker-default', 'label=type:svirt_t', 'label:level:s0:c1', 'writable-cgroups=true',
      'systempaths=unconfined'])).toEqual({
      noNewPrivileges: false, seccomp: 'default', apparmor: 'docker-default', label: ['type:svirt_t', 'level:s0:c1'],
      writableCgroups: true, systemPaths: 'unconfined',
    })
  })

  test.each([
    ['seccomp', 'invalid --security-opt: "seccomp"'],
    ['seccomp=', 'invalid --security-opt: "seccomp="'],
    ['disable', 'invalid --security-opt: "disable"'],
    ['foo=bar', 'invalid --security-opt 2: "foo=bar"'],
    ['no-new-privileges=maybe', 'invalid --security-opt 2: "no-new-privileges=maybe"'],
    ['no-new-privileges=', 'invalid --security-opt 2: "no-new-privileges="'],
    ['systempaths=masked', 'invalid --security-opt 2: "systempaths=masked"'],
  ])('refuses %s in Docker\'s words', (opt, message) => {
    expect(refusal(() => parseSecurityOpts([opt]))).toBe(message)
  })

  test('--privileged runs without the default profile, but keeps a profile file', () => {
    expect(effectiveSeccomp(parseSecurityOpts([]), true)).toBe('unconfined')
    expect(effectiveSeccomp(parseSecurityOpts([]), false)).toBe('default')
    expect(effectiveSeccomp(parseSecurityOpts(['seccomp=/p.json']), true)).toEqual({ file: '/p.json' })
  })
})
