// `store system df`: Docker's space report, plus what Docker cannot show: how many bytes the
// layers hold (logical), how many distinct chunk bytes that is after deduplication, how many
// bytes are stored after compression, and how many the file system allocates for them; and
// what every byte under the root is for (dfDisk.ts). Read from records, layer indexes, pack
// indexes and file metadata: no chunk is read.

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import type { LayerRecord } from '../layer/index.js'
import { ChunkTable } from './_chunkTable.js'
import type { OnProgress } from '../progress.js'
import { getConfig, imageLayers } from '../image/create.js'
import { buildCacheOnly, containerImages } from './gc.js'
import { cacheMountsUsage } from '../build/runMount/index.js'
import type { LeftoverStats } from '../_leftovers.js'
import { findLeftovers } from './leftovers.js'
import { snapshotDf, type SnapshotDf } from './dfSnapshots.js'
import type { DfRow } from './_dfRow.js'

export type { DfRow } from './_dfRow.js'
import { diskAreas, type DiskAreas } from './dfDisk.js'
import { snapshotUsage } from '../snapshot/index.js'
import type { ContainerUsage } from '../container/types.js'
import type { VolumeUsage } from '../mount/types.js'

export type { ContainerUsage, VolumeUsage }

export interface ImageUsage {
  id: Digest
  tags: string[]
  created?: string
  /** Content bytes of its layers (Docker's SIZE). */
  size: number
  /** Those of them in chunks (or index segments) another image also references (_chunkTable.ts). */
  sharedSize: number
  /** size - sharedSize: what only this image keeps. */
  uniqueSize: number
  containers: number
  /** Distinct chunk bytes of this image (after dedup inside it). */
  chunkBytes: number
  /** On-disk bytes of those chunks (after compression). */
  storedBytes: number
}

export interface DfReport {
  rows: DfRow[]
  images: ImageUsage[]
  /** Sum of file content of every distinct layer: what a store without chunk dedup keeps. */
  logical: number
  /** Bytes of distinct chunks. */
  deduplicated: number
  /** Bytes of stored blobs (chunks, indexes, configs), after compression. */
  stored: number
  blobs: number
  /** Bytes the file system allocates for them (st_blocks of packs, pack indexes, loose files). */
  allocated: number
  /** Files holding them, and how many of those are packs. */
  files: number
  packs: number
}

export interface DfExtra {
  containers?: DfRow
  volumes?: DfRow
}

export interface SystemDf extends DfReport {
  containers: ContainerUsage[]
  volumes: VolumeUsage[]
  /** Temp and trash entries of interrupted operations, until `system prune` removes them. */
  leftovers: LeftoverStats
  /** Snapshots and the file pool (dfSnapshots.ts); their row is the last of `rows`. */
  snapshots: SnapshotDf
  /** Every byte under the root, allocated, by area (dfDisk.ts): what `du` of the root counts. */
  disk: DiskAreas
}



/** Sources of the Containers and Local Volumes rows, registered by those modules. */
export interface DfSources {
  containers?: (store: Store) => Promise<ContainerUsage[]>
  volumes?: (store: Store) => Promise<VolumeUsage[]>
  runningContainers?: (store: Store) => Promise<number>
}

/** `onProgress`: told the layer indexes read (the long part on a large store: every index is read once). */
export async function systemDf(store: Store, sources: DfSources = {}, onProgress?: OnProgress): Promise<SystemDf> {
  const containers = (await sources.containers?.(store)) ?? []
  const volumes = (await sources.volumes?.(store)) ?? []
  const running = (await sources.runningContainers?.(store)) ?? 0
  const csize = containers.reduce((a, c) => a + c.size, 0)
  const vsize = volumes.reduce((a, v) => a + v.size, 0)
  const unusedV = volumes.filter((v) => v.links === 0).reduce((a, v) => a + v.size, 0)
  const runningSize = containers.filter((c) => c.status.startsWith('Up')).reduce((a, c) => a + c.size, 0)
  const r = await diskUsage(store, {
    containers: { type: 'Containers', total: containers.length, active: running, size: csize, reclaimable: csize - runningSize },
    volumes: { type: 'Local Volumes', total: volumes.length, active: volumes.filter((v) => v.links > 0).length, size: vsize, reclaimable: unusedV },
  }, onProgress)
  const left = await findLeftovers(store)
  const leftovers = { entries: left.length, bytes: left.reduce((a, l) => a + l.bytes, 0) }
  const snaps = snapshotUsage(store.layout)
  const disk = diskAreas(store.layout, snaps, left.map((l) => l.path))
  const snapshots = await snapshotDf(store, snaps)
  return { ...r, rows: [...r.rows, snapshots.row], containers, volumes, leftovers, snapshots, disk }
}

export async function diskUsage(store: Store, extra: DfExtra = {}, onProgress?: OnProgress): Promise<DfReport> {
  const records = await store.images.list()
  const tags = await store.images.tags()
  const used = await containerImages(store)
  const layersOf = new Map<Digest, LayerRecord[]>()
  const layerById = new Map<Digest, LayerRecord>()
  for (const r of records) {
    const ls = await imageLayers(store, await getConfig(store, r.id)).catch(() => [] as LayerRecord[])
    layersOf.set(r.id, ls)
    for (const l of ls) layerById.set(l.chainId, l)
  }
  // Chunks of each layer; stored sizes from the pack indexes and loose files' sizes.
  const chunks = new ChunkTable()
  const total = layerById.size
  let done = 0
  const report = () => onProgress?.({ label: 'Reading layer indexes', done, total, unit: 'items', noun: 'layers' })
  report()
  for (const l of layerById.values()) {
    await chunks.addLayer(store.cas, l.chainId, l.index)
    done++
    report()
  }
  const usage = await store.cas.usage()

  const images: ImageUsage[] = []
  let activeSize = 0
  const activeLayers = new Set<Digest>()
  const sharedOf = chunks.sharedBytes(records.map((r) => (layersOf.get(r.id) ?? []).map((l) => l.chainId)))
  for (const [i, r] of records.entries()) {
    const ls = layersOf.get(r.id) ?? []
    const size = ls.reduce((a, l) => a + l.contentSize, 0)
    const shared = Math.min(size, sharedOf[i]) // SHARED SIZE at chunk level (_chunkTable.ts)
    const { chunkBytes, storedBytes } = chunks.distinct(ls.map((l) => l.chainId), usage)
    const containers = used.get(r.id)?.length ?? 0
    if (containers > 0) for (const l of ls) activeLayers.add(l.chainId)
    const config = await getConfig(store, r.id).catch(() => undefined)
    images.push({
      id: r.id,
      tags: Object.keys(tags).filter((t) => tags[t] === r.id).sort(),
      created: config?.created,
      size, sharedSize: shared, uniqueSize: size - shared, containers, chunkBytes, storedBytes,
    })
  }
  let logical = 0
  for (const l of layerById.values()) {
    logical += l.contentSize
    if (activeLayers.has(l.chainId)) activeSize += l.contentSize
  }
  const deduplicated = chunks.total()
  // Build Cache: what pruning it frees on disk, like prune's "Total reclaimed space": the blobs
  // only the cache holds (whole chains, indexes included: a RUN that only makes dirs has no
  // content but its index is still a blob), as gc would sweep them (cas.reclaimable: loose
  // files, and packs deleted or repacked).
  // RUN --mount=type=cache dirs are build cache too (prune removes them): their file bytes.
  const cache = await buildCacheOnly(store)
  const mounts = await cacheMountsUsage(store)
  const cacheSize = mounts.bytes + (cache.blobs.size > 0 ? await store.cas.reclaimable((d) => !cache.blobs.has(d)) : 0)
  const rows: DfRow[] = [
    { type: 'Images', total: records.length, active: [...used.keys()].filter((id) => layersOf.has(id)).length, size: logical, reclaimable: logical - activeSize },
    extra.containers ?? { type: 'Containers', total: 0, active: 0, size: 0, reclaimable: 0 },
    extra.volumes ?? { type: 'Local Volumes', total: 0, active: 0, size: 0, reclaimable: 0 },
    { type: 'Build Cache', total: cache.entries + mounts.count, active: 0, size: cacheSize, reclaimable: cacheSize },
  ]
  return { rows, images, logical, deduplicated, stored: usage.stored, blobs: usage.blobs, allocated: usage.allocated, files: usage.files, packs: usage.packs }
}

