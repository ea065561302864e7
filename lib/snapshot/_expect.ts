// What a snapshot should be, for `fsck --snapshots`: the same layers applied the same way
// (applyLayer, so no second reading of the rules), into a scratch tree of stubs: each regular
// file a sparse file with the entry's owner, mode and times, its content's SHA-256 recorded
// (a one-chunk file's is its chunk's digest, an inline file's is hashed from the index: no
// chunk is read; others are read and hashed).
// Nothing goes to the pool. Then the two trees are listed and compared, entry by entry.

import { ftruncateSync, lstatSync, readdirSync, readlinkSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createAt, placeCopy, setMeta, type PlaceFile } from './_sink.js'
import { knownHex } from './_poolBatch.js'
import { xattrsOf } from '../_xattr.js'

export const placeExpected: PlaceFile = async (ctx, abs, rel, h, owner, content) => {
  if (h.size === 0) return placeCopy(ctx, abs, rel, h, owner, content)
  let hex = knownHex(content, h.size)
  if (hex) await content.discard()
  else {
    const sha = createHash('sha256')
    for await (const b of content) sha.update(b)
    hex = sha.digest('hex')
  }
  createAt(abs, (fd) => {
    ftruncateSync(fd, h.size)
    setMeta(fd, h, owner)
  })
  return { ref: { hex } }
}

/** One entry as compared: what a container would see of it, its bytes apart. */
export interface Seen {
  kind: string
  text: string
  ino: number
}

const STUB_XATTR = /^(trusted|user)\.overlay\.(metacopy|redirect)$/

/** Every entry under `root` (not the root's own times: they are the extraction's). */
export async function listTree(root: string): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>()
  const walk = (dir: string, rel: string) => {
    for (const n of readdirSync(dir).sort()) {
      const r = rel ? `${rel}/${n}` : n
      const p = `${dir}/${n}`
      const st = lstatSync(p)
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other'
      const what = [`${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`]
      if (kind === 'file') what.push(`size ${st.size}`)
      // Times of files and links come from the layer; a dir's, a node's and a whiteout's are
      // the extraction's own (children made, mknod).
      if (kind === 'file' || kind === 'symlink') what.push(`mtime ${Math.floor(st.mtimeMs / 1000)}`)
      if (kind === 'symlink') what.push(`-> ${readlinkSync(p)}`)
      if (kind === 'char' || kind === 'block') what.push(`dev ${st.rdev}`)
      out.set(r, { kind, text: what.join(', '), ino: st.ino })
      if (kind === 'dir') walk(p, r)
    }
  }
  walk(root, '')
  // xattrs, a stub's own two left out (they are checked against the map apart).
  const paths = [...out.keys()].filter((r) => out.get(r)!.kind !== 'symlink').map((r) => `${root}/${r}`)
  for (const [p, attrs] of await xattrsOf(paths)) {
    const list = [...attrs].filter(([k]) => !STUB_XATTR.test(k)).map(([k, v]) => `${k}=${v}`).sort()
    if (list.length > 0) out.get(p.slice(root.length + 1))!.text += `, xattrs ${list.join(' ')}`
  }
  return out
}
