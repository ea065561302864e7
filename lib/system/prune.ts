// `store system prune`: stopped containers, (with --volumes) unused anonymous volumes, dangling
// images (all unused ones with -a) and the build cache (with `until`, what was last used before
// it: `cacheUntil`); what interrupted operations left
// (leftovers.ts); then a mark-and-sweep gc of the content; then every snapshot no container
// uses, and the pool files only those used (snapshots are a cache: an image whose snapshots
// went is rebuilt from its blobs when a container or build next needs it).

import type { Digest } from '../digest/digest.js'
import type { Store } from '../store.js'
import { collectGarbage } from './gc.js'
import { withGc } from '../_lock.js'
import { reclaimLeftovers } from './leftovers.js'
import { evictToBudget } from '../snapshot/index.js'
import { containerLayers } from '../container/snapshots.js'

export interface PruneHooks {
  /** Remove stopped containers; returns their IDs and the bytes freed. */
  containers?: (store: Store) => Promise<{ ids: string[]; reclaimed: number }>
  /** Remove unused volumes; returns their names and the bytes freed. */
  volumes?: (store: Store) => Promise<{ names: string[]; reclaimed: number }>
}

export interface PruneResult {
  containers: string[]
  volumes: string[]
  images: string[]
  buildCache: number
  /** Temp and trash entries of interrupted operations removed (ingest/ and snapshots included). */
  leftovers: number
  /** Snapshots dropped (no container used them). */
  snapshots: number
  reclaimed: number
}

export async function systemPrune(
  store: Store,
  opts: { all: boolean; volumes: boolean; mayRemove?: (id: Digest) => Promise<boolean>; cacheUntil?: number },
  hooks: PruneHooks = {},
): Promise<PruneResult> {
  // Every step under the gc lock, i.e. once no import, build, commit or create is in flight: a
  // build's RUN container is "created" (stopped) between its create and its start, and a
  // container prune beside it would remove it under the build.
  return withGc(store.layout, async () => {
    let reclaimed = 0
    const c = (await hooks.containers?.(store)) ?? { ids: [], reclaimed: 0 }
    reclaimed += c.reclaimed
    const v = opts.volumes ? ((await hooks.volumes?.(store)) ?? { names: [], reclaimed: 0 }) : { names: [], reclaimed: 0 }
    reclaimed += v.reclaimed
    const left = await reclaimLeftovers(store)
    reclaimed += left.bytes
    const gc = await collectGarbage(store, { all: opts.all, buildCache: true, cacheUntil: opts.cacheUntil, mayRemove: opts.mayRemove })
    reclaimed += gc.reclaimed
    const snaps = await evictToBudget(store.layout, 0, await containerLayers(store)) // a budget of 0: every unused one
    reclaimed += snaps.bytes
    return { containers: c.ids, volumes: v.names, images: gc.imagesDeleted, buildCache: gc.buildCacheDropped + gc.cacheMountsDropped, leftovers: left.entries + gc.ingestFiles + gc.packOrphans + gc.snapshotTemps, snapshots: snaps.dropped.length, reclaimed }
  })
}
