// Snapshots: what the storage drivers stack, built from the layers' blobs when missing, their
// regular files' bytes in the pool in the store's form (types.ts):
//   reflink, hardlink, copy: one snapshot per layer (snapshots/<chainID>/: that layer alone,
//     whiteouts in overlayfs form), shared by every image that has the layer;
//   data-only: one metadata-only tree per chain (snapshots/<chainID>/: every layer up to that
//     one, merged; _chain.ts says why), its stubs sharing the pool with every other tree.
// A snapshot is a cache, published as _build.ts says (temp dir, pool committed, map, rename).
// A RUN's layer usually needs none of this: its writable layer became its snapshot (commit.ts).

import { utimesSync } from 'node:fs'
import type { ContentStore } from '../cas/types.js'
import type { Digest } from '../digest/digest.js'
import type { Layout } from '../layout.js'
import { writeFileAtomic } from '../_fs.js'
import { Codes, StoreError } from '../errors.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'
import { isDir, ownBytes } from './_ownBytes.js'
import { applyChain } from './_chain.js'
import { buildSnapshot, defaultPrefix } from './_build.js'
import { encodeMap, mapFormSync } from './map.js'
import type { SharingMethod } from './types.js'

export interface SnapshotOptions {
  /** The form new snapshots take (default copy). */
  form?: SharingMethod
  /** Prefix of overlayfs' xattrs: trusted.overlay. as root, user.overlay. in a user namespace. */
  overlayPrefix?: string
  /** Told of each snapshot extracted from the layers' blobs, and how long it took (ms). */
  onExtracted?: (layer: LayerRecord, ms: number) => void
}

export interface EnsuredSnapshots {
  /** The dirs to stack for the chain, base first (data-only: the chain's one tree). */
  dirs: string[]
  /** Chain IDs built by this call (the rest existed). */
  built: Digest[]
}

/** The dirs to stack for a chain, base first; builds what is missing. */
export async function ensureSnapshots(cas: ContentStore, layout: Layout, layers: LayerRecord[], opts: SnapshotOptions = {}): Promise<EnsuredSnapshots> {
  const form = opts.form ?? 'copy'
  const prefix = opts.overlayPrefix ?? defaultPrefix()
  const top = layers[layers.length - 1]
  if (form === 'data-only' && top) {
    const dir = layout.snapshot(top.chainId)
    if (!isDir(dir)) {
      await extract(top, opts, () => buildSnapshot(layout, top.chainId, form, prefix, (tmp, sink) => applyChain(cas, layout, layers, tmp, sink)))
      return { dirs: [dir], built: [top.chainId] }
    }
    if (mapFormSync(layout.snapshotMap(top.chainId)) === 'data-only') return { dirs: [dir], built: [] }
    // The chain's top is a per-layer snapshot of an older store: stack per layer, in copies
    // (a data-only stub anywhere but in the last lower is refused by overlayfs).
    return perLayer(cas, layout, layers, 'copy', prefix, opts)
  }
  return perLayer(cas, layout, layers, form === 'data-only' ? 'copy' : form, prefix, opts)
}

async function perLayer(cas: ContentStore, layout: Layout, layers: LayerRecord[], form: SharingMethod, prefix: string, opts: SnapshotOptions): Promise<EnsuredSnapshots> {
  const out: EnsuredSnapshots = { dirs: [], built: [] }
  for (const l of layers) {
    const dir = layout.snapshot(l.chainId)
    if (isDir(dir) && mapFormSync(layout.snapshotMap(l.chainId)) === 'data-only') {
      // A chain's tree under a layer's name (made while the store shared another way,
      // STORE_SNAPSHOT_SHARING): stacked as one layer, it would show the layers below it again,
      // their files as stubs. Refused, never mounted.
      throw new StoreError(Codes.UNSUPPORTED, `snapshot ${l.chainId} is a data-only tree, not a layer's: this image's snapshots were made in two sharing forms`, {
        hint: 'stop its containers and run `store system prune` (snapshots are rebuilt as needed), then run it again without STORE_SNAPSHOT_SHARING',
      })
    }
    if (!isDir(dir)) {
      await extract(l, opts, () =>
        buildSnapshot(layout, l.chainId, form, prefix, async (tmp, sink) => {
          await applyLayer(cas, await loadIndex(cas, l.index), tmp, { mode: 'overlay', opaqueXattr: `${prefix}opaque`, files: sink })
        }),
      )
      out.built.push(l.chainId)
    }
    out.dirs.push(dir)
  }
  return out
}

async function extract(l: LayerRecord, opts: SnapshotOptions, build: () => Promise<void>): Promise<void> {
  const t0 = Date.now()
  await build()
  opts.onExtracted?.(l, Date.now() - t0)
}

/**
 * Records a use of these snapshots (the map's mtime: what the budget evicts by). A snapshot of
 * an older store gets its map now (form copy).
 */
export async function touchSnapshots(layout: Layout, chainIds: Digest[], now = new Date()): Promise<void> {
  for (const c of chainIds) {
    const map = layout.snapshotMap(c)
    try {
      utimesSync(map, now, now)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !isDir(layout.snapshot(c))) continue
      await writeFileAtomic(map, encodeMap('copy', ownBytes(layout.snapshot(c)), []))
    }
  }
}
