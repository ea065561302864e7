// The filter compileSeccompBpf makes against the one runc (with libseccomp) loads for the same OCI
// object: runc runs a busybox container, a small C helper reads its filter back from the kernel
// (PTRACE_SECCOMP_GET_FILTER), and both programs are run on the same calls.
//
// The profiles leave out the syscalls newer than Linux 6.1: an older libseccomp (2.5.4 on
// Debian 12) does not know their names, skips them and so decides differently there.

import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  DOCKER_DEFAULT_SECCOMP, type OciSeccomp, compileSeccompBpf, seccompForContainer, seccompJson,
} from '../../lib/runtime/seccomp.js'
import { resolveCapabilities } from '../../lib/runtime/security.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { needTool, unavailable } from '../_fixtures/requires.js'
import { checkFilter, runBpf } from './_bpf.js'
import { AUDIT, X32 } from './_seccompRef.js'

const GET_FILTER = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <linux/filter.h>
int main(int argc, char **argv) {
  pid_t pid = atoi(argv[1]);
  if (ptrace(PTRACE_ATTACH, pid, 0, 0)) { perror("attach"); return 2; }
  waitpid(pid, NULL, __WALL);
  long n = ptrace(0x420c /* PTRACE_SECCOMP_GET_FILTER */, pid, 0, NULL);
  if (n <= 0) { perror("filter length"); return 3; }
  struct sock_filter *buf = calloc(n, sizeof *buf);
  if (ptrace(0x420c, pid, 0, buf) != n) { perror("filter"); return 4; }
  fwrite(buf, sizeof *buf, n, stdout);
  ptrace(PTRACE_DETACH, pid, 0, 0);
  return 0;
}
`
const NEWER = new Set(['uretprobe', 'uprobe', 'cachestat', 'fchmodat2', 'map_shadow_stack', 'futex_wake', 'futex_wait',
  'futex_requeue', 'statmount', 'listmount', 'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules', 'mseal',
  'setxattrat', 'getxattrat', 'listxattrat', 'removexattrat', 'open_tree_attr', 'file_getattr', 'file_setattr', 'listns'])

const skip = unavailable('seccomp-vs-runc specs', busyboxUnavailable() ??
  needTool(['/usr/sbin/runc', '/usr/bin/runc'], 'runc') ?? needTool(['/usr/bin/cc'], 'gcc') ??
  (process.arch === 'x64' ? undefined : `its profiles are checked against x86_64 syscall numbers; this machine is ${process.arch}`))
let dir: string
beforeAll(() => {
  if (skip) return
  dir = mkdtempSync(join(tmpdir(), 'store-seccomp-runc-'))
  writeFileSync(join(dir, 'getfilter.c'), GET_FILTER)
  execFileSync('cc', ['-o', join(dir, 'getfilter'), join(dir, 'getfilter.c')], { stdio: 'pipe' })
  makeBusyboxRoot(join(dir, 'rootfs'))
})
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }))

/** The filter runc loads for `seccomp`, read back from the running container. */
function runcFilter(seccomp: OciSeccomp, capAdd: string[]): Uint8Array {
  const id = `store-seccomp-${process.pid}`
  rmSync(join(dir, 'config.json'), { force: true })
  execFileSync('runc', ['spec', '--bundle', dir])
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  config.process = { ...config.process, terminal: false, args: ['sleep', '30'], capabilities: resolveCapabilities({ capAdd }) }
  config.linux.seccomp = seccomp
  writeFileSync(join(dir, 'config.json'), seccompJson(config))
  try {
    // -d: the container keeps runc's stdio, so a pipe here would stay open as long as it runs.
    const run = spawnSync('runc', ['run', '-d', '--bundle', dir, id], { stdio: 'ignore' })
    expect(run.status).toBe(0)
    const pid = JSON.parse(execFileSync('runc', ['state', id], { encoding: 'utf8' })).pid
    const r = spawnSync(join(dir, 'getfilter'), [String(pid)])
    expect(r.stderr.toString()).toBe('')
    return new Uint8Array(r.stdout)
  } finally {
    spawnSync('runc', ['delete', '-f', id])
  }
}

function without(newer: OciSeccomp): OciSeccomp {
  return { ...newer, syscalls: newer.syscalls?.map((s) => ({ ...s, names: s.names.filter((n) => !NEWER.has(n)) })).filter((s) => s.names.length) }
}

/** Every number 0..599 of x86_64, x32 and i386 (and some far ones), with arguments near the rules' values. */
function expectSameDecisions(ours: Uint8Array, theirs: Uint8Array, seccomp: OciSeccomp): void {
  checkFilter(theirs)
  checkFilter(ours)
  const values = [...new Set([0n, 1n, 0xffffffffn, 0xffffffff_ffffffffn, 0x1_00000000n, 0x10000000n | 17n, 17n,
    ...(seccomp.syscalls ?? []).flatMap((s) => (s.args ?? []).flatMap((a) => [BigInt(a.value), BigInt(a.valueTwo ?? 0)]))
      .flatMap((v) => [v - 1n, v, v + 1n, v & 0xffffffffn, v | (1n << 32n)]).map((v) => BigInt.asUintN(64, v))])]
  const argSets = [...values.map((v) => [v, v, v]), ...values.map((v) => [1n, v, v]), ...values.map((v) => [9n, v, 0n])]
  const numbers = [...Array(600).keys(), 0x3fffffff, 0x80000000, 0xc0000000, 0xfffffffe, 0xffffffff]
  const diffs: string[] = []
  for (const [arch, base] of [[AUDIT.x86_64, 0], [AUDIT.x86_64, X32], [AUDIT.i386, 0], [AUDIT.aarch64, 0]]) {
    for (const n of numbers) {
      for (const args of argSets) {
        const d = { nr: (base + n) >>> 0, arch, args }
        const [a, b] = [runBpf(ours, d), runBpf(theirs, d)]
        if (a !== b) diffs.push(`arch ${arch.toString(16)} nr ${d.nr} args ${args}: ours ${a.toString(16)}, runc ${b.toString(16)}`)
      }
    }
  }
  expect(diffs.slice(0, 10)).toEqual([])
}

describe.skipIf(skip !== undefined)('compileSeccompBpf() against runc', () => {
  test.each([[[]], [['SYS_ADMIN']]])('the default profile (cap-add %j) decides every call as runc\'s filter does', (capAdd) => {
    const caps = resolveCapabilities({ capAdd }).bounding
    const oci = without(seccompForContainer(DOCKER_DEFAULT_SECCOMP, { caps, arch: 'amd64', kernel: [6, 1] })!)
    expectSameDecisions(compileSeccompBpf(oci, 'amd64'), runcFilter(oci, capAdd), oci)
  })

  test('a profile with 64-bit comparisons, ORed conditions, i386 socketcall rules and no x32 decides as runc does', () => {
    const tested = new Set(['dup', 'dup3', 'kill', 'tgkill', 'madvise', 'socket', 'connect', 'sendto', 'getsockopt', 'semop',
      'umask', 'chdir', 'fchdir', 'setuid', 'socketcall', 'ipc'])
    const base = [...DOCKER_DEFAULT_SECCOMP.syscalls[0].names!.filter((n) => !tested.has(n)), 'arch_prctl']
    const oci = without({
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 13, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: base, action: 'SCMP_ACT_ALLOW' },
        { names: ['dup'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x1_00000000, op: 'SCMP_CMP_LT' }] },
        { names: ['dup3'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0x1_00000001, op: 'SCMP_CMP_GE' }, { index: 0, value: 10, op: 'SCMP_CMP_LE' }] },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }, { index: 1, value: 15, op: 'SCMP_CMP_EQ' }] },
        { names: ['kill'], action: 'SCMP_ACT_ALLOW' },
        { names: ['tgkill'], action: 'SCMP_ACT_TRAP', args: [{ index: 2, value: 0xffffffff_ffffffffn, op: 'SCMP_CMP_NE' }] },
        { names: ['madvise'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0xffffffff, valueTwo: 4, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['madvise'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0xffffffff_00000000n, valueTwo: 0x1_00000000, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['socket', 'connect', 'sendto'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
        { names: ['getsockopt', 'semop'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['umask'], action: 'SCMP_ACT_LOG' },
        { names: ['chdir'], action: 'SCMP_ACT_TRACE', errnoRet: 5 },
        { names: ['fchdir'], action: 'SCMP_ACT_ERRNO' },
        { names: ['setuid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      ],
    })
    expectSameDecisions(compileSeccompBpf(oci, 'amd64'), runcFilter(oci, []), oci)
  })
})

