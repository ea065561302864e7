// Reading the pool and the maps as a whole (df, the budget, prune, gc, fsck): which pool names
// exist and what they take on disk, and which names the snapshots' maps refer to, how often.
// A pool file is known by its name under pool/: `<2 hex>/<64 hex>` (content), `<2 hex>/<20 hex>`
// (a stub's redirect: a second name of a content file), `<2 hex>/<64 hex>.<16 hex>` (the hard-link
// form). Synchronous walks: one lstat per pool file, from the page cache.

import { lstatSync, readdirSync } from 'node:fs'
import { digestFromHex, type Digest } from '../digest/digest.js'
import { poolRedirect, snapshotMapOf, type Layout } from '../layout.js'
import { readMapSync, type SnapshotMap } from './map.js'
import type { PoolRef } from './types.js'

export interface PoolFile {
  /** Bytes allocated (a redirect name counts 0: its content file has them). */
  bytes: number
  ino: number
}

const ALIAS = /^[0-9a-f]{2}\/[0-9a-f]{20}$/

/** Every pool name (relative to pool/), temp dirs left out. */
export function scanPool(layout: Layout): Map<string, PoolFile> {
  const out = new Map<string, PoolFile>()
  for (const shard of readdirSafeTyped(layout.poolDir).filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))) {
    for (const n of readdirSync(`${layout.poolDir}/${shard.name}`)) {
      const st = lstatSync(`${layout.poolDir}/${shard.name}/${n}`)
      const name = `${shard.name}/${n}`
      out.set(name, { bytes: ALIAS.test(name) ? 0 : st.blocks * 512, ino: st.ino })
    }
  }
  return out
}

/** The pool names a ref needs kept (the content and, for a stub, its redirect name). */
export function namesOf(ref: PoolRef, form: SnapshotMap['form']): string[] {
  const shard = ref.hex.slice(0, 2)
  if (ref.key) return [`${shard}/${ref.hex}.${ref.key}`]
  const full = `${shard}/${ref.hex}`
  return form === 'data-only' ? [full, poolRedirect(ref.hex, ref.window ?? 0).slice(1)] : [full]
}

export interface MappedSnapshot {
  chainId: Digest
  dir: string
  map: SnapshotMap
  /** Last use: the map's mtime. */
  lastUse: number
}

/** Snapshots that have a map and a dir. `orphans`: maps whose dir is gone (a killed drop). */
export function mappedSnapshots(layout: Layout): { snapshots: MappedSnapshot[]; orphans: string[]; unmapped: string[] } {
  const names = new Set(readdirSafe(layout.snapshotsDir))
  const out = { snapshots: [] as MappedSnapshot[], orphans: [] as string[], unmapped: [] as string[] }
  for (const n of names) {
    const m = /^([0-9a-f]{64})(\.map)?$/.exec(n)
    if (!m) continue
    const dir = `${layout.snapshotsDir}/${m[1]}`
    if (!m[2]) {
      if (!names.has(`${m[1]}.map`)) out.unmapped.push(dir)
      continue
    }
    if (!names.has(m[1])) {
      out.orphans.push(snapshotMapOf(dir))
      continue
    }
    const path = snapshotMapOf(dir)
    const map = readMapSync(path)
    if (map) out.snapshots.push({ chainId: digestFromHex(m[1]), dir, map, lastUse: lstatSync(path).mtimeMs })
  }
  return out
}

/** How many map entries need each pool name. */
export function poolRefCounts(snapshots: MappedSnapshot[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const s of snapshots) for (const [, ref] of s.map.entries()) for (const n of namesOf(ref, s.map.form)) counts.set(n, (counts.get(n) ?? 0) + 1)
  return counts
}

export function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function readdirSafeTyped(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
}
