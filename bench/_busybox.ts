// The busybox root of TOOLS.md (the specs' fixture, inlined: bench/ does not import spec/),
// shared by the scenarios that build or run containers.

import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function busyboxRoot(dir: string): string {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'dev', 'sys', 'tmp']) mkdirSync(join(dir, d), { recursive: true })
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'))
  chmodSync(join(dir, 'bin/busybox'), 0o755)
  spawnSync('chroot', [dir, '/bin/busybox', '--install', '-s'])
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n')
  return dir
}
