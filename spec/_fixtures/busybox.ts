// A real, tiny base image without a network: a busybox root file system, as TOOLS.md describes.
// bin sbin usr/bin usr/sbin must exist before `--install -s`, or busybox silently fills only
// /bin. Its applet links are absolute (/bin/busybox). Users: root, nobody, and app (1000).

import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { needRoot, needTool, unavailable } from './requires.js'

export const BUSYBOX = '/bin/busybox'

/**
 * Why busybox-based specs cannot run here, or undefined when they can. Under CI a missing
 * busybox (or not being root) is a failure, not a skip.
 */
export function busyboxUnavailable(): string | undefined {
  return unavailable('busybox specs', needTool([BUSYBOX], 'busybox-static') ?? needRoot())
}

/** Build a busybox rootfs in `dir` (created if missing). Returns `dir`. */
export function makeBusyboxRoot(dir: string): string {
  const reason = busyboxUnavailable()
  if (reason) throw new Error(`cannot build a busybox root: ${reason}`)
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'dev', 'sys', 'root', 'home/app', 'var']) {
    mkdirSync(`${dir}/${d}`, { recursive: true })
  }
  mkdirSync(`${dir}/tmp`, { recursive: true })
  chmodSync(`${dir}/tmp`, 0o1777)
  copyFileSync(BUSYBOX, `${dir}/bin/busybox`)
  chmodSync(`${dir}/bin/busybox`, 0o755)
  const r = spawnSync('chroot', [dir, '/bin/busybox', '--install', '-s'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`busybox --install failed: ${r.stderr}`)
  writeFileSync(`${dir}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
  writeFileSync(`${dir}/etc/group`, 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n')
  spawnSync('chown', ['1000:1000', `${dir}/home/app`])
  return dir
}
