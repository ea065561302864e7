// What a store root holds on disk for its blobs (blobs/ and packs/): files, their bytes
// (st_size) and what the file system allocates for them (st_blocks), as du and ls would count.

import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export interface StoreFiles {
  files: number
  bytes: number
  allocated: number
}

export function storeFiles(root: string): StoreFiles {
  const out: StoreFiles = { files: 0, bytes: 0, allocated: 0 }
  const walk = (dir: string) => {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const n of names) {
      const p = join(dir, n)
      const st = lstatSync(p)
      if (st.isDirectory()) walk(p)
      else if (st.isFile()) {
        out.files++
        out.bytes += st.size
        out.allocated += st.blocks * 512
      }
    }
  }
  walk(join(root, 'blobs'))
  walk(join(root, 'packs'))
  return out
}
