// Garbage collection: mark and sweep from the roots (DESIGN decision 7). Nothing is counted on
// disk; what is reachable from a root is kept, everything else goes.
//   roots:  tagged images (all images unless `all`: then only those in use), images of
//           containers, build-cache entries, and in-flight work (gc waits for every lease).
//   mark:   image -> parent images -> config + manifest blobs -> layer chain -> index -> chunks
//   sweep:  image records, layer records, snapshots, blobs (loose files deleted; packs deleted
//           when nothing in them is live, repacked when under half is: cas.sweep), stale
//           ingest/ files, and with the build cache its RUN --mount=type=cache dirs (no build
//           runs: each holds a lease).
// Each step is a function returning what it did. gc holds the gc lock and runs only once no
// other process holds a lease (lib/lock/lease.ts), so nothing adds content while it marks;
// tags are the exception (`store tag` takes no lease), handled in sweepImages.

import { readdir, rm } from 'node:fs/promises'
import type { Store } from '../store.js'
import { digestFromHex, isDigest, type Digest } from '../digest/digest.js'
import { indexBlobs } from '../layer/index.js'
import { getConfig, imageLayers } from '../image/create.js'
import { withGc } from '../_lock.js'
import { listContainers } from '../container/records.js'
import { cacheEntries, cachePrune } from '../build/cache.js'
import { removeCacheMounts } from '../build/runMount/index.js'
import { dropSnapshot, sweepPool } from '../snapshot/index.js'
import { orphansIn, TMP_SUFFIX } from '../_leftovers.js'
import { rmTree } from '../_rm.js'

export interface GcOptions {
  /** Remove every image not used by a container (prune -a), not only dangling ones. */
  all?: boolean
  /** Prune filters: an image this says false for is kept (`until`, `label`). */
  mayRemove?: (id: Digest) => Promise<boolean>
  /** Also drop the build cache. */
  buildCache?: boolean
  /** With buildCache or cacheMounts: only what was last used before this instant, ms (`--filter until=`). */
  cacheUntil?: number
  /** Keep every image record (only unreferenced layers and blobs go): after rmi. */
  keepImages?: boolean
  /** Remove the RUN --mount=type=cache dirs (`builder prune`; implied by buildCache). */
  cacheMounts?: boolean
}

export interface GcStats {
  imagesDeleted: Digest[]
  layersDeleted: number
  /** Stored blobs dropped: loose files deleted, entries of packs deleted or repacked. */
  blobsDeleted: number
  packsDeleted: number
  packsRepacked: number
  /** Dead bytes left in packs kept because mostly live (reclaimed when they fall under half live). */
  deadKept: number
  /** Bytes on disk freed (allocated bytes of blobs, packs and ingest). */
  reclaimed: number
  ingestFiles: number
  /** Packs without an index (a write killed between its two links) removed. */
  packOrphans: number
  /** Half-extracted snapshot dirs of killed processes. */
  snapshotTemps: number
  buildCacheDropped: number
  /** RUN --mount=type=cache dirs removed. */
  cacheMountsDropped: number
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
  return withGc(store.layout, () => gc(store, opts))
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
  if (cache.chainIds.length === 0) return { entries: cache.entries, blobs: new Set() } // nothing to mark
  const fromCache = await markReachable(store, [], cache.chainIds)
  const fromImages = await markReachable(store, (await store.images.list()).map((r) => r.id), [])
  for (const d of fromImages.blobs) fromCache.blobs.delete(d)
  return { entries: cache.entries, blobs: fromCache.blobs }
}

interface Marked {
  images: Set<Digest>
  layers: Set<Digest>
  blobs: Set<Digest>
}

async function gc(store: Store, opts: GcOptions): Promise<GcStats> {
  const stats: GcStats = { imagesDeleted: [], layersDeleted: 0, blobsDeleted: 0, packsDeleted: 0, packsRepacked: 0, deadKept: 0, reclaimed: 0, ingestFiles: 0, packOrphans: 0, snapshotTemps: 0, buildCacheDropped: 0, cacheMountsDropped: 0 }
  if (opts.buildCache) stats.buildCacheDropped = await cachePrune(store, opts.cacheUntil)
  const tags = await store.images.tags()
  const marked = await mark(store, opts, tags)
  await sweepImages(store, marked, tags, stats)
  await sweepLayers(store, marked, stats)
  await sweepBlobs(store, marked, stats)
  await sweepSnapshots(store, marked, stats)
  await sweepPool(store.layout) // pool files no snapshot uses now (snapshots are not counted here: df has their row)
  await sweepIngest(store, stats)
  if (opts.buildCache || opts.cacheMounts) await sweepCacheMounts(store, stats, opts.cacheUntil)
  return stats
}

/** 1–2. Roots (tags unless `all`, containers' images, the build cache), then what they reach. */
async function mark(store: Store, opts: GcOptions, tags: Record<string, Digest>): Promise<Marked> {
  const used = await containerImages(store)
  const cache = await buildCacheRefs(store)
  const records = await store.images.list()
  const byId = new Map(records.map((r) => [r.id, r]))
  const rootImages = new Set<Digest>(used.keys())
  if (!opts.all) for (const id of Object.values(tags)) rootImages.add(id)
  if (opts.keepImages) for (const r of records) rootImages.add(r.id)
  if (opts.mayRemove) for (const r of records) if (!(await opts.mayRemove(r.id))) rootImages.add(r.id)
  const images = new Set<Digest>()
  for (let id of rootImages) {
    while (id && byId.has(id) && !images.has(id)) {
      images.add(id)
      id = byId.get(id)!.parent as Digest
    }
  }
  return { images, ...(await markReachable(store, images, cache.chainIds)) }
}

/**
 * 3. Image records not marked. A `store tag` may point a tag at one of them after the mark
 * (it takes no lease): `remove` then keeps the record, and its content is marked now, before
 * anything is swept. After this step every remaining record is marked, and `tag` refuses
 * records that are gone, so no tag can point at content this gc sweeps.
 */
async function sweepImages(store: Store, marked: Marked, tags: Record<string, Digest>, stats: GcStats): Promise<void> {
  const kept: Digest[] = []
  for (const r of await store.images.list()) {
    if (marked.images.has(r.id)) continue
    const expected = Object.keys(tags).filter((t) => tags[t] === r.id)
    if ((await store.images.remove(r.id, expected)).deleted) stats.imagesDeleted.push(r.id)
    else kept.push(r.id)
  }
  if (kept.length === 0) return
  const more = await markReachable(store, kept, [])
  for (const id of kept) marked.images.add(id)
  for (const l of more.layers) marked.layers.add(l)
  for (const b of more.blobs) marked.blobs.add(b)
}

/** 4. Layer records (and their snapshots) not marked. */
async function sweepLayers(store: Store, marked: Marked, stats: GcStats): Promise<void> {
  for (const l of await store.layers.list()) {
    if (marked.layers.has(l.chainId)) continue
    await dropSnapshot(store.layout, l.chainId) // renamed away first: never a half-removed tree under its name
    await store.layers.delete(l.chainId)
    stats.layersDeleted++
  }
}

/** 5. Blobs not marked. */
async function sweepBlobs(store: Store, marked: Marked, stats: GcStats): Promise<void> {
  const s = await store.cas.sweep((d) => marked.blobs.has(d))
  stats.blobsDeleted = s.looseDeleted + s.entriesDropped
  stats.packsDeleted = s.packsDeleted
  stats.packsRepacked = s.packsRepacked
  stats.deadKept = s.deadKept
  stats.packOrphans = s.orphans
  stats.reclaimed += s.reclaimed
}

/**
 * 6. Snapshots whose layer record is gone (a crash between the two), and half-extracted
 * `<chainID>.tmp-*` dirs of killed processes: caches, rebuilt from blobs on demand. A snapshot
 * goes as dropSnapshot() removes one (renamed away, then its map, then its tree): removed in
 * place, a kill part way left a tree missing files under its own name, which was used as it
 * was. Temp dirs go only when their writer is gone (an extraction holds a lease, but fsck's
 * scratch trees do not).
 */
async function sweepSnapshots(store: Store, marked: Marked, stats: GcStats): Promise<void> {
  const dir = store.layout.snapshotsDir
  const names = await readdir(dir).catch(() => [] as string[])
  const present = new Set(names)
  for (const n of names) {
    const m = /^([0-9a-f]{64})(\.map)?$/.exec(n)
    if (m && marked.layers.has(digestFromHex(m[1]))) continue // a snapshot and its map
    if (m && !m[2]) await dropSnapshot(store.layout, digestFromHex(m[1]))
    else if (m) {
      if (!present.has(m[1])) await rm(`${dir}/${n}`, { force: true }) // a map whose tree is gone (else it goes with it)
    } else if (!TMP_SUFFIX.test(n)) await rm(`${dir}/${n}`, { recursive: true, force: true })
  }
  for (const t of await orphansIn(dir, TMP_SUFFIX, 'snapshot')) {
    await rmTree(t.path)
    stats.snapshotTemps++
  }
}

/** 8. With the build cache, its RUN --mount=type=cache dirs (no build runs: each holds a lease). */
async function sweepCacheMounts(store: Store, stats: GcStats, until?: number): Promise<void> {
  const m = await removeCacheMounts(store, until)
  stats.cacheMountsDropped = m.count
  stats.reclaimed += m.bytes
}

/** 7. ingest/: every temp file (writers hold leases, so all that is left is leftovers). */
async function sweepIngest(store: Store, stats: GcStats): Promise<void> {
  const ing = await store.cas.cleanIngest(0)
  stats.ingestFiles = ing.files
  stats.reclaimed += ing.bytes
}
