// The snapshot budget: an optional bound on what snapshots and the pool take on disk, kept
// least recently used first. Snapshots are a cache (rebuilt from the layers' blobs when a
// container or build needs one), so dropping the unused ones costs only a rebuild later.
// The budget is a store setting (settings.json), set by `--snapshot-budget SIZE` or
// STORE_SNAPSHOT_BUDGET on any command and kept for later ones (`none` removes it).
// Eviction runs under the gc lock (no build or create in flight), never drops a snapshot a
// container uses, and removes the pool files only the dropped snapshots used.

import type { Digest } from '../digest/digest.js'
import type { Layout } from '../layout.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { ramInBytes } from '../_sizes.js'
import { Codes, StoreError } from '../errors.js'
import { dropSnapshot, sweepPool } from './sweep.js'
import { freedBy, snapshotUsage } from './usage.js'

interface Settings {
  snapshotBudget?: number
}

/** `2g`, `500MB`, `1.5GiB` (binary units, as tmpfs sizes); `none` or `0`: no budget. */
export function parseBudget(s: string): number | null {
  if (/^(none|off|0)$/i.test(s.trim())) return null
  const n = ramInBytes(s.trim())
  if (n === undefined) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid snapshot budget "${s}"`, { hint: 'a size such as 2g or 500m, or none' })
  return n
}

export async function readBudget(layout: Layout): Promise<number | undefined> {
  return (await readJson<Settings>(layout.settings))?.snapshotBudget ?? undefined
}

/** Keeps `bytes` as the store's budget (null: none). */
export async function recordBudget(layout: Layout, bytes: number | null): Promise<void> {
  const s = (await readJson<Settings>(layout.settings)) ?? {}
  if ((s.snapshotBudget ?? null) === bytes) return
  if (bytes === null) delete s.snapshotBudget
  else s.snapshotBudget = bytes
  await writeFileAtomic(layout.settings, JSON.stringify(s) + '\n')
}

export interface EvictStats {
  dropped: Digest[]
  /** Bytes freed: snapshot trees and pool files. */
  bytes: number
  /** What snapshots and the pool take afterwards. */
  total: number
}

/**
 * Drops unused snapshots, least recently used first, until snapshots and pool take at most
 * `budget` bytes (all unused ones when `budget` is 0). Call under the gc lock.
 */
export async function evictToBudget(layout: Layout, budget: number, inUse: Set<Digest>): Promise<EvictStats> {
  const u = snapshotUsage(layout)
  const stats: EvictStats = { dropped: [], bytes: 0, total: u.total }
  if (u.total <= budget) return stats
  // Snapshots of older stores have no record of their last use: they go first.
  for (const old of u.unmapped) {
    const id = `sha256:${old.dir.slice(old.dir.lastIndexOf('/') + 1)}` as Digest
    if (stats.total <= budget || inUse.has(id)) continue
    stats.bytes += await dropSnapshot(layout, id, old.bytes)
    stats.total -= old.bytes
    stats.dropped.push(id)
  }
  const candidates = u.snapshots.filter((s) => !inUse.has(s.chainId)).sort((a, b) => a.lastUse - b.lastUse)
  for (const s of candidates) {
    if (stats.total <= budget) break
    const freed = freedBy(u, [s.chainId])
    await dropSnapshot(layout, s.chainId)
    stats.bytes += freed
    stats.total -= freed
    stats.dropped.push(s.chainId)
  }
  if (stats.dropped.length > 0) await sweepPool(layout)
  return stats
}
