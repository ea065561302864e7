// What snapshots and the pool take, for `system df` and the budget: each snapshot's own tree
// (from its map), the pool's content files once, and what the pool shares (bytes each content
// file would take again in every further snapshot that uses it, were there no pool).

import type { Digest } from '../digest/digest.js'
import type { Layout } from '../layout.js'
import { ownBytes } from './_ownBytes.js'
import { mappedSnapshots, namesOf, poolRefCounts, scanPool, type MappedSnapshot, type PoolFile } from './_poolScan.js'

export interface SnapshotUsage {
  /** Snapshots on disk (with a map; older ones without are counted in `unmapped`). */
  snapshots: MappedSnapshot[]
  /** Snapshot dirs of an older store (no map): their own bytes, measured. */
  unmapped: { dir: string; bytes: number }[]
  pool: Map<string, PoolFile>
  /** How many snapshot entries use each pool name. */
  refs: Map<string, number>
  /** Own bytes of every snapshot + the pool's allocated bytes. */
  total: number
  poolBytes: number
  poolFiles: number
  /** Bytes the pool saves: for each content file, its size times (users - 1). */
  sharedBytes: number
}

export function snapshotUsage(layout: Layout): SnapshotUsage {
  const found = mappedSnapshots(layout)
  const unmapped = found.unmapped.map((dir) => ({ dir, bytes: ownBytes(dir) }))
  const pool = scanPool(layout)
  const refs = poolRefCounts(found.snapshots)
  let poolBytes = 0
  let poolFiles = 0
  let sharedBytes = 0
  for (const [name, f] of pool) {
    if (f.bytes === 0 && name.length === 23) continue // a redirect name: no bytes of its own
    poolFiles++
    poolBytes += f.bytes
    sharedBytes += f.bytes * Math.max(0, (refs.get(name) ?? 0) - 1)
  }
  const own = found.snapshots.reduce((a, s) => a + s.map.ownBytes, 0) + unmapped.reduce((a, u) => a + u.bytes, 0)
  return { snapshots: found.snapshots, unmapped, pool, refs, total: own + poolBytes, poolBytes, poolFiles, sharedBytes }
}

/**
 * Bytes freed by dropping `drop` (chain IDs): their own trees, and the pool files that only
 * they use. `u.refs` is updated as if they were gone (for a caller dropping one at a time).
 */
export function freedBy(u: SnapshotUsage, drop: Iterable<Digest>): number {
  const byId = new Map(u.snapshots.map((s) => [s.chainId, s]))
  let freed = 0
  for (const id of drop) {
    const s = byId.get(id)
    if (!s) continue
    freed += s.map.ownBytes
    for (const [, ref] of s.map.entries()) {
      for (const n of namesOf(ref, s.map.form)) {
        const left = (u.refs.get(n) ?? 0) - 1
        u.refs.set(n, left)
        if (left === 0) freed += u.pool.get(n)?.bytes ?? 0
      }
    }
  }
  return freed
}
