// What a snapshot's own tree takes on disk (allocated blocks, each inode once, as du counts):
// dirs, stubs (no data block: their size is the xattrs that did not fit in the inode), copies
// and special files. Files whose bytes are the pool's (the reflink and hard-link forms: `pooled`
// maps their paths) are the pool's bytes, counted there. Synchronous: one lstat per entry
// from the page cache, right after the tree was written.

import { lstatSync, readdirSync } from 'node:fs'

export function ownBytes(root: string, pooled?: Map<string, unknown>): number {
  const seen = new Set<number>()
  let total = 0
  const walk = (dir: string, rel: string) => {
    for (const n of readdirSync(dir)) {
      const r = rel ? `${rel}/${n}` : n
      const st = lstatSync(`${dir}/${n}`)
      if (st.isDirectory()) walk(`${dir}/${n}`, r)
      else if (st.isFile() && pooled?.has(r)) continue
      if (st.nlink > 1 && !st.isDirectory()) {
        if (seen.has(st.ino)) continue
        seen.add(st.ino)
      }
      total += st.blocks * 512
    }
  }
  total += lstatSync(root).blocks * 512
  walk(root, '')
  return total
}

export function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory()
  } catch {
    return false
  }
}
