// A loop-mounted XFS with reflink, for what only a cloning file system does (the reflink
// snapshot form) on a machine whose own file system does not clone (ext4). Root only. The
// image is a sparse file in a temp folder of its own, which remove() unmounts and deletes,
// whatever state a failed make() left. mkfs.xfs comes with xfsprogs (the README's test line and
// .ci/run install it): missing, it is a failure saying so, never a skip.

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface LoopXfs {
  /** The mounted file system's root. */
  mnt: string
  /** Unmounts (lazily when still busy) and removes the image and its folder. */
  remove(): void
}

const MKFS = ['/usr/sbin/mkfs.xfs', '/sbin/mkfs.xfs']

/** The mkfs.xfs to use; throws (a failure, not a skip) when xfsprogs is not installed. */
export function mkfsXfs(): string {
  const found = MKFS.find((p) => existsSync(p))
  if (!found) throw new Error(`${MKFS[0]} is missing: the reflink snapshot form is tested on a loop-mounted XFS (apt-get install xfsprogs)`)
  return found
}

/** A fresh XFS (`-m reflink=1`) of `bytes` (sparse: it allocates what is written) mounted through a loop device. */
export function loopXfs(bytes = 512 << 20): LoopXfs {
  const mkfs = mkfsXfs()
  const dir = mkdtempSync(join(tmpdir(), 'store-xfs-'))
  const img = join(dir, 'xfs.img')
  const mnt = join(dir, 'mnt')
  let mounted = false
  const remove = () => {
    if (mounted) {
      try {
        execFileSync('umount', [mnt], { stdio: 'pipe' })
      } catch {
        execFileSync('umount', ['-l', mnt], { stdio: 'pipe' }) // something still open in it: detach now, freed when closed
      }
      mounted = false // `mount -o loop` sets autoclear: the loop device goes with the mount
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    writeFileSync(img, '')
    truncateSync(img, bytes)
    execFileSync(mkfs, ['-q', '-m', 'reflink=1', img], { stdio: 'pipe' })
    mkdirSync(mnt)
    execFileSync('mount', ['-t', 'xfs', '-o', 'loop', img, mnt], { stdio: 'pipe' })
    mounted = true
  } catch (e) {
    remove()
    throw e
  }
  return { mnt, remove }
}
