// `system df`'s Snapshots row: the bytes snapshots and the file pool take on disk (allocated:
// each snapshot's own tree, each pool file once), how many snapshots a container uses (active),
// and what dropping the others would free (reclaimable: their trees, and the pool files only
// they use: what `system prune` frees). Beside it, what the pool shares: the bytes its files
// would take again in every further snapshot that uses them.

import type { Store } from '../store.js'
import type { DfRow } from './_dfRow.js'
import { freedBy, snapshotUsage, type SnapshotUsage } from '../snapshot/index.js'
import { containerLayers } from '../container/snapshots.js'

export interface SnapshotDf {
  row: DfRow
  /** Snapshots' own trees (dirs, stubs, copies), allocated. */
  treeBytes: number
  poolFiles: number
  /** The pool's content, allocated, each file once. */
  poolBytes: number
  /** Bytes the pool saves: each file's size times (its users - 1). */
  sharedBytes: number
}

/** `u`: the usage to report (changed: its `refs` end as if the unused snapshots were gone). */
export async function snapshotDf(store: Store, u: SnapshotUsage = snapshotUsage(store.layout)): Promise<SnapshotDf> {
  const inUse = await containerLayers(store)
  const ids = [...u.snapshots.map((s) => s.chainId), ...u.unmapped.map((x) => `sha256:${x.dir.slice(x.dir.lastIndexOf('/') + 1)}`)]
  const unused = u.snapshots.filter((s) => !inUse.has(s.chainId)).map((s) => s.chainId)
  const legacyUnused = u.unmapped.filter((x) => !inUse.has(`sha256:${x.dir.slice(x.dir.lastIndexOf('/') + 1)}` as never)).reduce((a, x) => a + x.bytes, 0)
  const treeBytes = u.total - u.poolBytes
  const reclaimable = freedBy(u, unused) + legacyUnused
  return {
    row: { type: 'Snapshots', total: ids.length, active: ids.filter((id) => inUse.has(id as never)).length, size: u.total, reclaimable },
    treeBytes,
    poolFiles: u.poolFiles,
    poolBytes: u.poolBytes,
    sharedBytes: u.sharedBytes,
  }
}
