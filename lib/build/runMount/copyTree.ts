// Copy context entries (already filtered by .dockerignore) into a private tree for a bind
// mount: the step sees the context as it was hashed, and a `rw` mount writes to the copy only.
// Regular files are cloned where the file system can (FICLONE: btrfs, xfs), else copied; dirs,
// files and symlinks keep mode, owner and times; other kinds (sockets, fifos, devices) are left
// out, as the context transfer leaves them out of BuildKit's copy.

import { constants, type Stats } from 'node:fs'
import { chmod, copyFile, lchown, lutimes, mkdir, readlink, symlink } from 'node:fs/promises'

export interface TreeEntry {
  /** Path under the destination ('' is the destination itself). */
  name: string
  abs: string
  stat: Stats
}

/** `entries` parents first; `dest` must not exist (or be an empty dir for a dir root). */
export async function copyTree(entries: TreeEntry[], dest: string): Promise<void> {
  const done: TreeEntry[] = []
  for (const e of entries) {
    const to = e.name ? `${dest}/${e.name}` : dest
    const st = e.stat
    if (st.isDirectory()) await mkdir(to, { recursive: e.name === '' })
    else if (st.isFile()) await copyFile(e.abs, to, constants.COPYFILE_FICLONE)
    else if (st.isSymbolicLink()) await symlink(await readlink(e.abs), to)
    else continue
    await lchown(to, st.uid, st.gid)
    if (!st.isSymbolicLink()) await chmod(to, st.mode & 0o7777)
    done.push(e)
  }
  // Times last, children first: creating an entry moves its parent's mtime.
  for (const e of done.reverse()) await lutimes(e.name ? `${dest}/${e.name}` : dest, e.stat.atime, e.stat.mtime)
}
