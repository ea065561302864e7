// Read one small file of a LIVE root (a running container's /proc/<pid>/root, for `exec -u`),
// the path resolved inside that root while every dir on the way is held open (DirFd): a dir
// swapped for a symlink between two steps cannot send the read to the host. Symlinks are
// followed inside the root (absolute targets restart at it, `..` stops at it), MAX_LINKS at most.

import { closeSync, readFileSync } from 'node:fs'
import { DirFd } from './dirFd.js'
import { MAX_LINKS } from './resolveInRoot.js'

/** The file's text, or undefined when the root has no regular file there. */
export function readInRoot(root: string, path: string): string | undefined {
  const top = DirFd.openFollowing(root)
  const held: DirFd[] = []
  try {
    let dir = top
    let links = 0
    let rest = path.split('/').filter((p) => p !== '' && p !== '.')
    const stack: DirFd[] = []
    while (rest.length > 0) {
      const [name, ...more] = rest
      rest = more
      if (name === '..') {
        dir = stack.pop() ?? top
        continue
      }
      const st = (() => {
        try {
          return dir.lstat(name)
        } catch {
          return undefined
        }
      })()
      if (!st) return undefined
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) return undefined
        const target = dir.readlink(name)
        if (target.startsWith('/')) {
          dir = top
          stack.length = 0
        }
        rest = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...rest]
        continue
      }
      if (rest.length === 0) {
        if (!st.isFile()) return undefined
        const fd = dir.openFile(name)
        try {
          return readFileSync(fd, 'utf8')
        } finally {
          closeSync(fd)
        }
      }
      if (!st.isDirectory()) return undefined
      stack.push(dir)
      dir = dir.dir(name)
      held.push(dir)
    }
    return undefined
  } catch {
    return undefined
  } finally {
    for (const d of held) d.close()
    top.close()
  }
}
