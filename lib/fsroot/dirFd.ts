// Reading a LIVE tree (a container's upper dir or rootfs, a mounted merged root) that its
// container may change while we read it. A path string is re-walked by the kernel at every
// call, so a dir swapped for a symlink between our lstat and our open would redirect the read
// to the host (`upper/a/secret` after `a` became `-> /`). Instead each dir is opened once with
// O_DIRECTORY|O_NOFOLLOW, and its children are reached through /proc/self/fd/<fd>/<name>: the
// kernel starts from the opened dir itself (a magic link, not a path), and the child is lstat'ed
// or opened with O_NOFOLLOW. Whatever the container renames, a read stays inside the tree.
// Measured on /usr/lib/x86_64-linux-gnu (3135 entries): an lstat through the fd path is no
// slower than by full path (8 ms against 15 ms a walk: the kernel walks fewer components).

import { Codes, StoreError } from '../errors.js'
import { readNames } from './names.js'
import { closeSync, constants as C, fstatSync, lstatSync, openSync, readlinkSync, type BigIntStats, type Stats } from 'node:fs'

const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW
// O_NONBLOCK: an entry swapped for a fifo must not hang the read (it is then refused below).
const FILE_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK

export class DirFd {
  /** `label`: the dir's path as opened, for messages only (never opened by it again). */
  private constructor(readonly fd: number, readonly label: string) {}

  /** Open a dir the caller trusts the path of (a store path); its last component is not followed. */
  static open(path: string): DirFd {
    return new DirFd(openSync(path, DIR_FLAGS), path)
  }

  /** Open a dir through a link the caller trusts (/proc/<pid>/root: a magic link, followed). */
  static openFollowing(path: string): DirFd {
    return new DirFd(openSync(path, C.O_RDONLY | C.O_DIRECTORY), path)
  }

  /** A path naming `name` in this dir, for this process's own calls. */
  at(name: string): string {
    return `/proc/self/fd/${this.fd}/${name}`
  }

  /** The same for a child process (getfattr, mknod): /proc/self would be the child's own. */
  atForChild(name: string): string {
    return `/proc/${process.pid}/fd/${this.fd}/${name}`
  }

  /** The dir itself, for a child process. */
  selfForChild(): string {
    return `/proc/${process.pid}/fd/${this.fd}`
  }

  /** A child dir; a child that is no longer a real dir (a symlink now) fails with TREE_CHANGED. */
  dir(name: string): DirFd {
    try {
      return new DirFd(openSync(this.at(name), DIR_FLAGS), `${this.label}/${name}`)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code !== 'ELOOP' && code !== 'ENOTDIR') throw e
      throw new StoreError(Codes.TREE_CHANGED, `"${name}" stopped being a directory as we read it`, { data: { name, errno: code }, cause: e })
    }
  }

  list(): string[] {
    return readNames(`/proc/self/fd/${this.fd}`, this.label)
  }

  lstat(name: string): Stats
  lstat(name: string, opts: { bigint: true }): BigIntStats
  lstat(name: string, opts?: { bigint: true }): Stats | BigIntStats {
    return opts ? lstatSync(this.at(name), opts) : lstatSync(this.at(name))
  }

  readlink(name: string): string {
    return readlinkSync(this.at(name))
  }

  /** Open a regular file for reading; anything else (a symlink, a fifo put there since) fails. */
  openFile(name: string): number {
    const fd = openSync(this.at(name), FILE_FLAGS)
    if (!fstatSync(fd).isFile()) {
      closeSync(fd)
      throw Object.assign(new Error(`not a regular file: ${name}`), { code: 'EINVAL' })
    }
    return fd
  }

  close(): void {
    closeSync(this.fd)
  }
}
