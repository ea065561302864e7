// Where the bytes of a data-only snapshot's files are. Its regular files are metadata-only stubs
// (sparse, with overlayfs' metacopy and redirect xattrs): the kernel follows the redirect into
// the pool, but a reader of the snapshot dir itself would read zeros. Readers that look at
// snapshots without mounting them (the merged view: user lookup, COPY --from, volume fill;
// materialisation: the copy driver, RUN --mount from a stage) ask here instead, from the
// snapshot's map (lib/snapshot/map.ts): no xattr read, no process spawned.

import { mapFormSync, readMapSync, type SnapshotMap } from '../snapshot/map.js'
import { poolOfSnapshot, snapshotMapOf } from '../layout.js'

export interface StubIndex {
  /** Host path of the bytes of the stub at `rel` (inside the dir asked about), or undefined. */
  content(rel: string): string | undefined
  /** Every stub under the dir: [rel inside it, host path of its bytes]. */
  entries(): Generator<[string, string]>
}

/** The stubs of snapshot `root` (a store's snapshots/<hex>), under its subdir `sub` ('' = all). */
export function stubIndex(root: string, sub = '', cache?: Map<string, SnapshotMap | null>): StubIndex | undefined {
  let map = cache?.get(root)
  if (map === undefined) {
    map = mapFormSync(snapshotMapOf(root)) === 'data-only' ? (readMapSync(snapshotMapOf(root)) ?? null) : null
    cache?.set(root, map)
  }
  if (!map) return undefined
  const m = map
  const pool = poolOfSnapshot(root)
  const path = (hex: string) => `${pool}/${hex.slice(0, 2)}/${hex}`
  const prefix = sub ? `${sub}/` : ''
  return {
    content(rel) {
      const ref = m.get(prefix + rel)
      return ref && path(ref.hex)
    },
    *entries() {
      for (const [rel, ref] of m.entries()) if (rel.startsWith(prefix)) yield [rel.slice(prefix.length), path(ref.hex)]
    },
  }
}

/** Whether `lower` is a data-only snapshot (its files are stubs). */
export function isDataOnly(lower: string): boolean {
  return mapFormSync(snapshotMapOf(lower)) === 'data-only'
}

/** The pools data-only lowers among `lowers` read from (overlayfs' data-only lowers, `::pool`). */
export function dataLowers(lowers: string[]): string[] {
  const pools = new Set<string>()
  for (const l of lowers) if (mapFormSync(snapshotMapOf(l)) === 'data-only') pools.add(poolOfSnapshot(l))
  return [...pools]
}
