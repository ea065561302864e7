// `store fsck`: named steps, each returning what it found.
//   1. blobs:  re-hash every blob (the content store verifies on read)
//   2. layers: rebuild every layer's tar from its index and chunks and check its diffID
//   3. images: every image's config parses and every layer of it is in the store
//   4. tags:   every tag points at an image record
//   5. with `snapshots`: every snapshot against its layers, the pool against its names
//      (lib/snapshot/verify.ts)

import type { Store } from './store.js'
import type { Digest } from './digest/digest.js'
import { layerTar, loadIndex } from './layer/index.js'
import { getConfig, imageLayers } from './image/create.js'
import { verifySnapshots } from './snapshot/verify.js'

export interface FsckProblem {
  kind: 'blob' | 'layer' | 'image' | 'tag' | 'snapshot'
  id: string
  message: string
}

export interface FsckReport {
  blobs: number
  layers: number
  images: number
  /** Snapshots checked (with `snapshots`). */
  snapshots?: number
  problems: FsckProblem[]
}

export async function fsck(store: Store, onProgress?: (msg: string) => void, opts: { snapshots?: boolean } = {}): Promise<FsckReport> {
  const problems: FsckProblem[] = []
  const report: FsckReport = { blobs: 0, layers: 0, images: 0, problems }

  // 1. Blobs.
  for await (const d of store.cas.walk()) {
    report.blobs++
    try {
      for await (const _ of store.cas.getStream(d)) {
        // reading verifies
      }
    } catch (e) {
      problems.push({ kind: 'blob', id: d, message: (e as Error).message })
    }
  }
  onProgress?.(`checked ${report.blobs} blobs`)

  // 2. Layers.
  for (const l of await store.layers.list()) {
    report.layers++
    try {
      const ix = await loadIndex(store.cas, l.index)
      const h = store.hash.create()
      let size = 0
      for await (const b of layerTar(store.cas, ix)) {
        h.update(b)
        size += b.length
      }
      const got: Digest = h.digest()
      if (got !== l.diffId) problems.push({ kind: 'layer', id: l.chainId, message: `rebuilt tar has diffID ${got}, want ${l.diffId}` })
      else if (size !== l.size) problems.push({ kind: 'layer', id: l.chainId, message: `rebuilt tar has ${size} bytes, want ${l.size}` })
      if (l.parent && !(await store.layers.get(l.parent))) {
        problems.push({ kind: 'layer', id: l.chainId, message: `parent layer ${l.parent} is missing` })
      }
    } catch (e) {
      problems.push({ kind: 'layer', id: l.chainId, message: (e as Error).message })
    }
  }
  onProgress?.(`checked ${report.layers} layers`)

  // 3. Images.
  const ids = new Set<string>()
  for (const r of await store.images.list()) {
    report.images++
    ids.add(r.id)
    try {
      await imageLayers(store, await getConfig(store, r.id))
    } catch (e) {
      problems.push({ kind: 'image', id: r.id, message: (e as Error).message })
    }
  }

  // 4. Tags.
  for (const [t, id] of Object.entries(await store.images.tags())) {
    if (!ids.has(id)) problems.push({ kind: 'tag', id: t, message: `tag points at missing image ${id}` })
  }

  // 5. Snapshots and the pool.
  if (opts.snapshots) {
    const s = await verifySnapshots(store.cas, store.layout, (id) => store.layers.get(id))
    for (const p of s.problems) problems.push({ kind: 'snapshot', ...p })
    report.snapshots = s.snapshots
    onProgress?.(`checked ${s.snapshots} snapshots and ${s.poolFiles} pool files`)
  }
  return report
}
