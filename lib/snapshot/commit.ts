// The direct commit: a writable layer (a RUN step's container, `store commit`) becomes its new
// layer's snapshot as it is committed, as containerd's snapshotter commits an active snapshot,
// so no later step extracts the layer again from the chunk store.
//
// What makes it exactly the snapshot an extraction would make: the layer is applied with the
// same code and rules (applyLayer over the layer's own index, just ingested: every header,
// whiteout and opaque marker as the layer has them, owners, modes and times as the tar says,
// SOURCE_DATE_EPOCH clamps included, no xattr a tree's layer does not carry), and only the
// bytes of its regular files come from the writable layer instead of its chunks
// (_writable.ts): per form,
//   data-only  the file's inode becomes the pool file (linked into the pool's temp dir, then
//              named by its SHA-256 at commit); the chain's tree is its parent's tree (copied:
//              inodes and xattrs, no data) with the layer applied, each file a stub redirecting
//              to its pool file;
//   reflink    the inode becomes the pool file, the snapshot's file a clone of it;
//   hardlink   the inode becomes the pool file carrying the entry's metadata (its variant), the
//              snapshot's file a link to it;
//   copy       the inode becomes the snapshot's file (no pool).
// A file whose inode may not be taken (the container stays: `store commit`; it has xattrs;
// it has names outside the layer) is cloned or copied from the writable layer instead, and
// content the pool has already is only named. Nothing is written to the chunk store here, and
// nothing is read from it but the layer's index.
// Published as every snapshot is (_build.ts): temp dir, pool files durable then named, map,
// rename; a crash leaves temp files only. A file that changed since the layer's tar was read
// (TREE_CHANGED) abandons the commit: the snapshot is extracted later, when first needed.

import type { ContentStore } from '../cas/types.js'
import type { Layout } from '../layout.js'
import { isStoreError, Codes } from '../errors.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'
import { applyChain } from './_chain.js'
import { buildSnapshot, defaultPrefix } from './_build.js'
import { isDir } from './_ownBytes.js'
import type { WritableFiles } from './_writable.js'
import type { SnapshotOptions } from './ensure.js'

export type CommitResult = 'committed' | 'exists' | 'changed'

/**
 * Makes the snapshot of `layers`' top layer from the writable layer whose changes it was
 * ingested from (`files`: scanned before its tar was read).
 */
export async function commitSnapshot(cas: ContentStore, layout: Layout, layers: LayerRecord[], files: WritableFiles, opts: SnapshotOptions = {}): Promise<CommitResult> {
  const top = layers[layers.length - 1]
  if (!top) return 'exists'
  if (isDir(layout.snapshot(top.chainId))) return 'exists' // another build made it, or it was cached
  const form = opts.form ?? 'copy'
  const prefix = opts.overlayPrefix ?? defaultPrefix()
  try {
    await buildSnapshot(layout, top.chainId, form, prefix, async (tmp, sink) => {
      if (form === 'data-only') {
        await applyChain(cas, layout, layers, tmp, sink, (l) => (sink.writable = l === top ? files : undefined))
        return
      }
      sink.writable = files
      await applyLayer(cas, await loadIndex(cas, top.index), tmp, { mode: 'overlay', opaqueXattr: `${prefix}opaque`, files: sink })
    })
  } catch (e) {
    if (isStoreError(e, Codes.TREE_CHANGED)) return 'changed'
    throw e
  }
  return 'committed'
}
