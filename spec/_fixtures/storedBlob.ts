// Where a blob's stored bytes are on disk, for specs that damage them: its loose file, or its
// entry in a pack (found through the pack indexes, read with the format's own parser).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { ENTRY_HEAD_SIZE } from '../../lib/cas/_packFormat.js'
import { indexShape } from '../../lib/cas/_packIndex.js'
import type { Digest } from '../../lib/digest/digest.js'
import type { Layout } from '../../lib/layout.js'

export interface StoredAt {
  backing: 'loose' | 'packed'
  path: string
  /** Where the stored bytes (header, payload) start in `path`. */
  offset: number
  length: number
  /** The pack's name, when packed. */
  pack?: string
}

/** Every stored copy of `d`: its loose file, then each pack entry. */
export function storedAt(l: Layout, d: Digest): StoredAt[] {
  const out: StoredAt[] = []
  if (existsSync(l.blob(d))) out.push({ backing: 'loose', path: l.blob(d), offset: 0, length: readFileSync(l.blob(d)).length })
  const names = existsSync(l.packsDir) ? readdirSync(l.packsDir) : []
  for (const f of names.filter((n) => n.endsWith('.idx')).sort()) {
    const name = f.slice(0, -4)
    const ix = indexShape(readFileSync(l.packIndex(name)), name)
    const i = ix.find(Buffer.from(d.slice(7), 'hex'))
    if (i >= 0) out.push({ backing: 'packed', path: l.pack(name), offset: ix.offset(i) + ENTRY_HEAD_SIZE, length: ix.length(i), pack: name })
  }
  return out
}

/** XORs one byte of the stored bytes of `d` (its first copy), `at` bytes in. */
export function flipStored(l: Layout, d: Digest, at: number): StoredAt {
  const [where] = storedAt(l, d)
  if (!where) throw new Error(`${d} is not stored`)
  if (at >= where.length) throw new Error(`${d} is stored in ${where.length} bytes, not ${at + 1}`)
  const b = readFileSync(where.path)
  b[where.offset + at] ^= 0x55
  writeFileSync(where.path, b)
  return where
}

/** Files under packs/, by kind. */
export function packFiles(l: Layout): { packs: string[]; indexes: string[] } {
  const names = existsSync(l.packsDir) ? readdirSync(l.packsDir).sort() : []
  return { packs: names.filter((n) => n.endsWith('.pack')), indexes: names.filter((n) => n.endsWith('.idx')) }
}
