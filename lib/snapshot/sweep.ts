// Dropping snapshots, and the pool files no snapshot uses any more. A snapshot goes in an
// order that never shows a dir without its map: the dir is renamed to a temp name first (one
// atomic step; a killed drop leaves `<hex>.tmp-<pid>-…`, which leftovers and gc sweep), then
// the map goes, then the tree. Pool files are removed only under the gc lock (the callers:
// gc, prune, the budget), when no build or create is in flight, so none is about to be used.
// A content file and its redirect names go together (the names come from the maps).

import { renameSync, rmdirSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import type { Digest } from '../digest/digest.js'
import type { Layout } from '../layout.js'
import { orphansIn, TMP_SUFFIX } from '../_leftovers.js'
import { rmTree } from '../_rm.js'
import { mappedSnapshots, poolRefCounts, readdirSafe, scanPool } from './_poolScan.js'

/** Removes one snapshot; returns the bytes its own tree took (the pool is swept apart). */
export async function dropSnapshot(layout: Layout, chainId: Digest, ownBytes = 0): Promise<number> {
  const dir = layout.snapshot(chainId)
  const trash = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    renameSync(dir, trash)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    rmSync(layout.snapshotMap(chainId), { force: true })
    return 0
  }
  rmSync(layout.snapshotMap(chainId), { force: true })
  await rmTree(trash)
  return ownBytes
}

export interface PoolSweep {
  files: number
  bytes: number
}

/**
 * Pool files no snapshot's map names, maps whose snapshot is gone, and temp dirs of builds
 * that were killed. Call under the gc lock only.
 */
export async function sweepPool(layout: Layout): Promise<PoolSweep> {
  const stats: PoolSweep = { files: 0, bytes: 0 }
  const found = mappedSnapshots(layout)
  for (const m of found.orphans) rmSync(m, { force: true })
  const used = poolRefCounts(found.snapshots)
  for (const [name, f] of scanPool(layout)) {
    if (used.has(name)) continue
    rmSync(`${layout.poolDir}/${name}`, { force: true })
    stats.files++
    stats.bytes += f.bytes
  }
  for (const t of await orphansIn(layout.poolDir, TMP_SUFFIX, 'snapshot')) await rmTree(t.path)
  for (const shard of readdirSafe(layout.poolDir)) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue
    try {
      rmdirSync(`${layout.poolDir}/${shard}`) // only when empty
    } catch {}
  }
  return stats
}
