// After `cp -a` copied a data-only snapshot into a plain tree, its regular files there are
// copies of stubs: the right owner, mode, times and xattrs, but sparse (zeros) and carrying
// overlayfs' metacopy and redirect xattrs. Each gets its bytes from the pool, written into the
// copy (its inode: the layer's own hard links stay links), its times set back, and the two
// xattrs removed (one setfattr per batch of paths). The dest tree is new and nobody else's yet;
// it is reached through the snapshot's own dirs, copied, so no component is a link.

import { closeSync, constants as C, futimesSync, lstatSync, openSync, readSync, writeSync } from 'node:fs'
import { exec } from '../_exec.js'
import type { StubIndex } from './_stubs.js'
import { Codes, StoreError } from '../errors.js'

/** A stub made as root carries trusted.overlay.*, one made in a user namespace user.overlay.*. */
const stubXattrs = () => (process.getuid?.() === 0 ? ['trusted.overlay.metacopy', 'trusted.overlay.redirect'] : ['user.overlay.metacopy', 'user.overlay.redirect'])
const BUF = Buffer.allocUnsafe(1 << 20)

export async function fillStubs(stubs: StubIndex, dest: string): Promise<void> {
  const seen = new Set<number>()
  const filled: string[] = []
  for (const [rel, content] of stubs.entries()) {
    const at = `${dest}/${rel}`
    let st
    try {
      st = lstatSync(at)
    } catch {
      continue // not copied (outside the subtree asked for)
    }
    if (!st.isFile() || seen.has(st.ino)) continue
    seen.add(st.ino)
    const src = openSync(content, C.O_RDONLY)
    const fd = openSync(at, C.O_WRONLY | C.O_NOFOLLOW)
    try {
      for (let pos = 0; ; ) {
        const n = readSync(src, BUF, 0, BUF.length, pos)
        if (n === 0) break
        writeSync(fd, BUF, 0, n, pos)
        pos += n
      }
      futimesSync(fd, st.atime, st.mtime)
    } finally {
      closeSync(fd)
      closeSync(src)
    }
    filled.push(at)
  }
  for (let i = 0; i < filled.length; i += 500) {
    const batch = filled.slice(i, i + 500)
    for (const x of stubXattrs()) {
      const r = await exec('setfattr', ['-h', '-x', x, '--', ...batch])
      if (r.code !== 0) throw new StoreError(Codes.DRIVER_UNAVAILABLE, `cannot materialise a snapshot: ${r.stderr.trim()}`)
    }
  }
}
