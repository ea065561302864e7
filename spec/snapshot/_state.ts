// Everything a snapshot is, as one comparable value: its map (form, and each pooled file's pool
// name) and every entry of its tree (type, mode, owner, size, mtime, device, link target, every
// xattr with its value, the bytes of a file that holds them, and which entries share an inode).
// Two snapshots of one layer, built two ways, must give equal values. Left out, because an
// extraction makes them itself: the root's own metadata, and the times of device nodes and
// fifos (overlay's 0/0 whiteouts included: mknod and mkfifo make them when the snapshot is
// built, and apply sets no time on them).

import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { Digest } from '../../lib/digest/digest.js'
import type { Layout } from '../../lib/layout.js'
import { xattrsOf } from '../../lib/driver/index.js'
import { readMapSync } from '../../lib/snapshot/map.js'

export interface SnapshotState {
  form: string | undefined
  map: string[]
  entries: Record<string, string>
}

export async function snapshotState(layout: Layout, chainId: Digest): Promise<SnapshotState> {
  const root = layout.snapshot(chainId)
  const map = readMapSync(layout.snapshotMap(chainId))
  const entries: Record<string, string> = {}
  const firstName = new Map<bigint, string>()
  const paths: string[] = []
  const walk = (rel: string) => {
    for (const n of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n
      const p = join(root, r)
      const st = lstatSync(p, { bigint: true })
      const node = st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()
      const what = [`mode ${st.mode.toString(8)}`, `owner ${st.uid}:${st.gid}`, `size ${st.size}`, `rdev ${st.rdev}`]
      if (!node) what.push(`mtime ${st.mtimeNs}`)
      if (st.isSymbolicLink()) what.push(`-> ${readlinkSync(p)}`)
      if (st.isFile()) {
        what.push(`bytes ${createHash('sha256').update(readFileSync(p)).digest('hex')}`)
        if (!firstName.has(st.ino)) firstName.set(st.ino, r)
        what.push(`inode of ${firstName.get(st.ino)}`)
      }
      if (!st.isSymbolicLink()) paths.push(p)
      entries[r] = what.join(', ')
      if (st.isDirectory()) walk(r)
    }
  }
  walk('')
  for (let i = 0; i < paths.length; i += 512) {
    for (const [p, attrs] of await xattrsOf(paths.slice(i, i + 512))) {
      const list = [...attrs].map(([k, v]) => `${k}=${v}`).sort()
      if (list.length > 0) entries[p.slice(root.length + 1)] += `, xattrs ${list.join(' ')}`
    }
  }
  return { form: map?.form, map: [...(map?.entries() ?? [])].map(([rel, ref]) => `${rel} ${JSON.stringify(ref)}`), entries }
}
