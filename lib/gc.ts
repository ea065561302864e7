// Garbage collection: mark and sweep from the roots (DESIGN decision 7). Nothing is counted on
// disk; what is reachable from a root is kept, everything else goes.
//   roots:  tagged images (all images unless `all`: then only those in use), images of
//           containers, build-cache entries, and in-flight work (gc waits for every lease).
//   mark:   image -> parent images -> config + manifest blobs -> layer chain -> index -> chunks
//   sweep:  image records, layer records, snapshots, blobs, stale ingest/ files.

import { readdir, rm } from 'node:fs/promises'
import type { Store } from './store.js'
import { digestFromHex, isDigest, type Digest } from './digest/digest.js'
import { indexBlobs } from './layer/index.js'
import { getConfig, imageLayers } from './image/create.js'
import { lockGc } from './_lock.js'
import { listContainers } from './container/records.js'
import { cacheClear, cacheEntries } from './build/cache.js'

export interface GcOptions {
  /** Remove every image not used by a container (prune -a), not only dangling ones. */
  all?: boolean
  /** Also drop the build cache. */
  buildCache?: boolean
  /** Keep every image record (only unreferenced layers and blobs go): after rmi. */
  keepImages?: boolean
}

export interface GcStats {
  imagesDeleted: Digest[]
  layersDeleted: number
  blobsDeleted: number
  /** Bytes on disk freed (blobs + ingest). */
  reclaimed: number
  ingestFiles: number
  buildCacheDropped: number
}

/** Image IDs used by containers, with the containers using each. */
export async function containerImages(store: Store): Promise<Map<Digest, string[]>> {
  const out = new Map<Digest, string[]>()
  for (const rec of await listContainers(store)) {
    if (isDigest(rec.image)) out.set(rec.image, [...(out.get(rec.image) ?? []), rec.id])
  }
  return out
}

/** Layers the build cache holds (gc roots until the cache is pruned). */
export async function buildCacheRefs(store: Store): Promise<{ chainIds: Digest[]; entries: number }> {
  const entries = await cacheEntries(store)
  return { chainIds: entries.map((e) => e.chainId).filter(isDigest), entries: entries.length }
}

export async function collectGarbage(store: Store, opts: GcOptions = {}): Promise<GcStats> {
  const release = await lockGc(store.layout)
  try {
    return await gc(store, opts)
  } finally {
    await release()
  }
}

/**
 * What gc keeps for these roots: the images' config and manifest blobs, the layer chains of the
 * images and of `chains` (with their parents), and every layer's index and chunks. Images'
 * parents are not followed here: the caller passes them.
 */
export async function markReachable(store: Store, images: Iterable<Digest>, chains: Iterable<Digest>): Promise<{ layers: Set<Digest>; blobs: Set<Digest> }> {
  const layers = new Set<Digest>()
  const blobs = new Set<Digest>()
  const byId = new Map((await store.images.list()).map((r) => [r.id, r]))
  const markChain = async (chainId: Digest | null) => {
    while (chainId && !layers.has(chainId)) {
      const rec = await store.layers.get(chainId)
      if (!rec) return
      layers.add(chainId)
      chainId = rec.parent
    }
  }
  for (const id of images) {
    blobs.add(id)
    const rec = byId.get(id)
    if (rec?.manifestDigest) blobs.add(rec.manifestDigest)
    const config = await getConfig(store, id).catch(() => undefined)
    if (!config) continue
    const ls = await imageLayers(store, config).catch(() => [])
    if (ls.length > 0) await markChain(ls[ls.length - 1].chainId)
  }
  for (const c of chains) await markChain(c)
  for (const chainId of layers) {
    const rec = (await store.layers.get(chainId))!
    blobs.add(rec.index)
    try {
      for await (const d of indexBlobs(store.cas, rec.index)) blobs.add(d) // segments and chunks
    } catch {}
  }
  return { layers, blobs }
}

/**
 * Blobs only the build cache holds: what `store builder prune` frees (and `system prune`, which
 * also drops the cache). Every image record counts as kept, as in `builder prune`.
 */
export async function buildCacheOnly(store: Store): Promise<{ entries: number; blobs: Set<Digest> }> {
  const cache = await buildCacheRefs(store)
  const fromCache = await markReachable(store, [], cache.chainIds)
  const fromImages = await markReachable(store, (await store.images.list()).map((r) => r.id), [])
  for (const d of fromImages.blobs) fromCache.blobs.delete(d)
  return { entries: cache.entries, blobs: fromCache.blobs }
}

async function gc(store: Store, opts: GcOptions): Promise<GcStats> {
  const stats: GcStats = { imagesDeleted: [], layersDeleted: 0, blobsDeleted: 0, reclaimed: 0, ingestFiles: 0, buildCacheDropped: 0 }

  // 1. Roots.
  const tags = await store.images.tags()
  const used = await containerImages(store)
  if (opts.buildCache) stats.buildCacheDropped = await cacheClear(store)
  const cache = await buildCacheRefs(store)
  const records = await store.images.list()
  const byId = new Map(records.map((r) => [r.id, r]))
  const rootImages = new Set<Digest>(used.keys())
  if (!opts.all) for (const id of Object.values(tags)) rootImages.add(id)
  if (opts.keepImages) for (const r of records) rootImages.add(r.id)

  // 2. Mark images (with their parents), then layers, then blobs.
  const keepImages = new Set<Digest>()
  for (let id of rootImages) {
    while (id && byId.has(id) && !keepImages.has(id)) {
      keepImages.add(id)
      id = byId.get(id)!.parent as Digest
    }
  }
  const { layers: keepLayers, blobs: keepBlobs } = await markReachable(store, keepImages, cache.chainIds)

  // 3. Sweep: untag and drop images, then layers and snapshots, then blobs.
  for (const r of records) {
    if (keepImages.has(r.id)) continue
    for (const [t, id] of Object.entries(tags)) if (id === r.id) await store.images.untag(t)
    await store.images.deleteRecord(r.id)
    stats.imagesDeleted.push(r.id)
  }
  for (const l of await store.layers.list()) {
    if (keepLayers.has(l.chainId)) continue
    await rm(store.layout.snapshot(l.chainId), { recursive: true, force: true })
    await store.layers.delete(l.chainId)
    stats.layersDeleted++
  }
  for await (const d of store.cas.walk()) {
    if (keepBlobs.has(d)) continue
    const st = await store.cas.stat(d).catch(() => undefined)
    if (await store.cas.delete(d)) {
      stats.blobsDeleted++
      stats.reclaimed += st?.stored ?? 0
    }
  }
  // Snapshots whose layer record is gone (a crash between the two) are caches: drop them.
  for (const n of await readdir(store.layout.snapshotsDir).catch(() => [] as string[])) {
    if (/^[0-9a-f]{64}$/.test(n) && keepLayers.has(digestFromHex(n))) continue
    await rm(`${store.layout.snapshotsDir}/${n}`, { recursive: true, force: true })
  }
  const ing = await store.cas.cleanIngest(0)
  stats.ingestFiles = ing.files
  stats.reclaimed += ing.bytes
  return stats
}
