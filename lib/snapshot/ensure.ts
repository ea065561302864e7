// Snapshots: what the storage drivers stack, built from the layers' blobs when missing, their
// regular files' bytes in the pool in the store's form (types.ts):
//   reflink, hardlink, copy: one snapshot per layer (snapshots/<chainID>/: that layer alone,
//     whiteouts in overlayfs form), shared by every image that has the layer;
//   data-only: one metadata-only tree per chain (snapshots/<chainID>/: every layer up to that
//     one, merged; _chain.ts says why), its stubs sharing the pool with every other tree.
// A snapshot is a cache: it is built in a temp dir, its pool files committed (durable) and its
// map written, and only then is the dir renamed into place, so a half-built snapshot is never
// used and a snapshot that exists has its map. Two processes racing to build one both succeed:
// the loser's map, written over the winner's, says the same (same layers, same pool names).

import { mkdirSync, rmSync, utimesSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { ContentStore } from '../cas/types.js'
import type { Digest } from '../digest/digest.js'
import type { Layout } from '../layout.js'
import { writeFileAtomic } from '../_fs.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'
import { SnapshotSink, placeCopy, type PlaceFile } from './_sink.js'
import { placeStub } from './_stub.js'
import { placeClone } from './_clone.js'
import { placeLink } from './_link.js'
import { isDir, ownBytes } from './_ownBytes.js'
import { applyChain } from './_chain.js'
import { fixClashes } from './_clashes.js'
import { encodeMap, mapFormSync } from './map.js'
import type { SharingMethod } from './types.js'

export interface SnapshotOptions {
  /** The form new snapshots take (default copy). */
  form?: SharingMethod
  /** Prefix of overlayfs' xattrs: trusted.overlay. as root, user.overlay. in a user namespace. */
  overlayPrefix?: string
}

export interface EnsuredSnapshots {
  /** The dirs to stack for the chain, base first (data-only: the chain's one tree). */
  dirs: string[]
  /** Chain IDs built by this call (the rest existed). */
  built: Digest[]
}

const PLACE: Record<SharingMethod, PlaceFile> = { 'data-only': placeStub, reflink: placeClone, hardlink: placeLink, copy: placeCopy }

const defaultPrefix = () => (process.getuid?.() === 0 ? 'trusted.overlay.' : 'user.overlay.')

/** The dirs to stack for a chain, base first; builds what is missing. */
export async function ensureSnapshots(cas: ContentStore, layout: Layout, layers: LayerRecord[], opts: SnapshotOptions = {}): Promise<EnsuredSnapshots> {
  const form = opts.form ?? 'copy'
  const prefix = opts.overlayPrefix ?? defaultPrefix()
  const top = layers[layers.length - 1]
  if (form === 'data-only' && top) {
    const dir = layout.snapshot(top.chainId)
    if (!isDir(dir)) {
      await buildSnapshot(layout, top, dir, form, prefix, (tmp, sink) => applyChain(cas, layout, layers, tmp, sink))
      return { dirs: [dir], built: [top.chainId] }
    }
    if (mapFormSync(layout.snapshotMap(top.chainId)) === 'data-only') return { dirs: [dir], built: [] }
    // The chain's top is a per-layer snapshot of an older store: stack per layer, in copies
    // (a data-only stub anywhere but in the last lower is refused by overlayfs).
    return perLayer(cas, layout, layers, 'copy', prefix)
  }
  return perLayer(cas, layout, layers, form === 'data-only' ? 'copy' : form, prefix)
}

async function perLayer(cas: ContentStore, layout: Layout, layers: LayerRecord[], form: SharingMethod, prefix: string): Promise<EnsuredSnapshots> {
  const out: EnsuredSnapshots = { dirs: [], built: [] }
  for (const l of layers) {
    const dir = layout.snapshot(l.chainId)
    if (!isDir(dir)) {
      await buildSnapshot(layout, l, dir, form, prefix, async (tmp, sink) => {
        await applyLayer(cas, await loadIndex(cas, l.index), tmp, { mode: 'overlay', opaqueXattr: `${prefix}opaque`, files: sink })
      })
      out.built.push(l.chainId)
    }
    out.dirs.push(dir)
  }
  return out
}

async function buildSnapshot(layout: Layout, l: LayerRecord, dir: string, form: SharingMethod, prefix: string, fill: (tmp: string, sink: SnapshotSink) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  mkdirSync(tmp, { recursive: true })
  const sink = new SnapshotSink(layout, form, PLACE[form], prefix)
  try {
    await fill(tmp, sink)
    const clashes = await sink.ctx.batch.commit()
    if (clashes.size > 0) await fixClashes(sink, tmp, clashes)
    await writeFileAtomic(layout.snapshotMap(l.chainId), encodeMap(form, ownBytes(tmp, form === 'reflink' || form === 'hardlink' ? sink.refs : undefined), sink.refs))
    await rename(tmp, dir).catch((e) => {
      // Another process finished the same snapshot first: theirs is as good as ours.
      if (e?.code !== 'ENOTEMPTY' && e?.code !== 'EEXIST') throw e
    })
  } finally {
    sink.ctx.batch.abort()
    rmSync(tmp, { recursive: true, force: true })
  }
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
