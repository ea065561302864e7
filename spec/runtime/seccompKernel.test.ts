// The compiled filter in a real kernel: a small C program (built here with cc) loads it with
// PR_SET_NO_NEW_PRIVS + PR_SET_SECCOMP, then makes raw syscalls and prints what each returned.

import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DOCKER_DEFAULT_SECCOMP, compileSeccompBpf, seccompForContainer } from '../../lib/runtime/seccomp.js'
import { DOCKER_DEFAULT_CAPS } from '../../lib/runtime/security.js'
import { needRoot, needTool, unavailable } from '../_fixtures/requires.js'

const PROGRAM = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static unsigned char buf[4096 * 8];
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror("open filter"); return 2; }
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  struct sock_fprog prog = { .len = (unsigned short)(n / 8), .filter = (struct sock_filter *)buf };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) { perror("no_new_privs"); return 3; }
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) { perror("seccomp"); return 4; }
  for (int i = 2; i < argc; i++) {
    const char *c = argv[i];
    long r;
    errno = 0;
    if (!strcmp(c, "getpid")) r = syscall(SYS_getpid);
    else if (!strcmp(c, "unshare-uts")) r = syscall(SYS_unshare, CLONE_NEWUTS);
    else if (!strcmp(c, "keyctl")) r = syscall(SYS_keyctl, 0, -1, 0);
    else if (!strcmp(c, "mount")) r = syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, 0);
    else if (!strcmp(c, "personality-query")) r = syscall(SYS_personality, 0xffffffffUL);
    else if (!strcmp(c, "personality-1234")) r = syscall(SYS_personality, 0x1234UL);
    else if (!strcmp(c, "clone3")) r = syscall(435, NULL, 0);
    else if (!strcmp(c, "x32-unshare")) r = syscall(0x40000000 | SYS_unshare, CLONE_NEWUTS);
    else if (!strcmp(c, "nr-1000")) r = syscall(1000);
    else { fprintf(stderr, "unknown call %s\n", c); return 5; }
    printf("%s %ld %d\n", c, r, r < 0 ? errno : 0);
  }
  return 0;
}
`

const skip = unavailable('seccomp kernel specs', needTool(['/usr/bin/cc'], 'gcc') ??
  (readFileSync('/proc/self/status', 'utf8').includes('Seccomp:') ? undefined : 'the kernel has no seccomp') ??
  (process.arch === 'x64' ? undefined : `its profiles are checked against x86_64 syscall numbers; this machine is ${process.arch}`))

let dir: string
let exe: string
beforeAll(() => {
  if (skip) return
  dir = mkdtempSync(join(tmpdir(), 'store-seccomp-'))
  writeFileSync(join(dir, 'load.c'), PROGRAM)
  exe = join(dir, 'load')
  execFileSync('cc', ['-O1', '-o', exe, join(dir, 'load.c')], { stdio: 'pipe' })
})
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }))

/** Runs the calls under the filter; returns name -> [return value, errno]. */
function under(caps: string[], calls: string[]): Record<string, [number, number]> {
  const oci = seccompForContainer(DOCKER_DEFAULT_SECCOMP, { caps, arch: 'amd64' })!
  const file = join(dir, `filter-${caps.length}.bpf`)
  writeFileSync(file, compileSeccompBpf(oci, 'amd64'))
  const r = spawnSync(exe, [file, ...calls], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => {
    const [name, ret, err] = l.split(' ')
    return [name, [Number(ret), Number(err)]]
  }))
}

const EPERM = 1
const ENOSYS = 38

describe.skipIf(skip !== undefined)('the default profile in the kernel (x86_64)', () => {
  test('denies unshare, keyctl, mount and odd personalities with EPERM; getpid works; clone3 and unknown calls get ENOSYS', () => {
    expect(existsSync(exe)).toBe(true)
    const r = under([...DOCKER_DEFAULT_CAPS],
      ['getpid', 'unshare-uts', 'keyctl', 'mount', 'personality-query', 'personality-1234', 'clone3', 'x32-unshare', 'nr-1000'])
    expect(r.getpid[0]).toBeGreaterThan(0)
    expect(r['unshare-uts']).toEqual([-1, EPERM])
    expect(r.keyctl).toEqual([-1, EPERM])
    expect(r.mount).toEqual([-1, EPERM])
    expect(r['personality-query'][0]).toBeGreaterThanOrEqual(0)
    expect(r['personality-1234']).toEqual([-1, EPERM])
    expect(r.clone3).toEqual([-1, ENOSYS])
    expect(r['x32-unshare']).toEqual([-1, EPERM])
    expect(r['nr-1000']).toEqual([-1, ENOSYS])
  })

  test.skipIf(unavailable('seccomp CAP_SYS_ADMIN spec', needRoot()) !== undefined)('with CAP_SYS_ADMIN the filter lets unshare and mount through to the kernel', () => {
    const r = under([...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN'], ['unshare-uts', 'mount', 'clone3'])
    // Root with CAP_SYS_ADMIN: unshare succeeds; mount reaches the kernel (ENOENT, not EPERM).
    expect(r['unshare-uts'][1]).not.toBe(EPERM)
    expect(r.mount[1]).not.toBe(EPERM)
    expect(r.clone3[1]).not.toBe(ENOSYS) // clone3(NULL, 0) reaches the kernel: EINVAL or EFAULT
  })
})
