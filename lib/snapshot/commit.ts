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

import { rmSync } from 'node:fs'
import type { ContentStore } from '../cas/types.js'
import type { Layout } from '../layout.js'
import { isStoreError, Codes } from '../errors.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'
import { applyChain, startTree, type TreeStart } from './_chain.js'
import { buildSnapshot, defaultPrefix, snapshotTmp } from './_build.js'
import type { SharingMethod } from './types.js'
import { isDir } from './_ownBytes.js'
import type { WritableFiles } from './_writable.js'
import type { SnapshotOptions } from './ensure.js'

export type CommitResult = 'committed' | 'exists' | 'changed'

/**
 * A direct commit begun before its layer is ingested: in the data-only form, the tree of the
 * chain below is copied into the new snapshot's temp dir meanwhile (cp, another process: it
 * overlaps the ingest instead of following it). Hand it to commitSnapshot(), or discard it.
 */
export interface CommitStart {
  tmp: string
  tree: TreeStart
}

/** Begins the commit of a layer over `below` (its parent chain), or undefined when the form copies no tree. */
export function startCommit(layout: Layout, below: LayerRecord[], form: SharingMethod): CommitStart | undefined {
  if (form !== 'data-only' || below.length === 0) return undefined
  const tmp = snapshotTmp(layout, 'next')
  try {
    return { tmp, tree: startTree(layout, below, tmp) }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true }) // a damaged map: nothing was started
    throw e
  }
}

/** A begun commit not used: its copy waited for, its temp dir removed. */
export async function discardCommit(s: CommitStart | undefined): Promise<void> {
  if (!s) return
  s.tree.stop()
  await s.tree.done.catch(() => {})
  rmSync(s.tmp, { recursive: true, force: true })
}

/**
 * Makes the snapshot of `layers`' top layer from the writable layer whose changes it was
 * ingested from (`files`: scanned before its tar was read). `started`: the commit begun by
 * startCommit() over the layers below the top (used up here, whatever the outcome).
 */
export async function commitSnapshot(cas: ContentStore, layout: Layout, layers: LayerRecord[], files: WritableFiles, opts: SnapshotOptions & { started?: CommitStart } = {}): Promise<CommitResult> {
  const top = layers[layers.length - 1]
  const form = opts.form ?? 'copy'
  const started = form === 'data-only' ? opts.started : undefined
  if (started !== opts.started) await discardCommit(opts.started)
  if (!top || isDir(layout.snapshot(top.chainId))) {
    await discardCommit(started)
    return 'exists' // another build made it, or it was cached
  }
  const prefix = opts.overlayPrefix ?? defaultPrefix()
  try {
    await buildSnapshot(layout, top.chainId, form, prefix, async (tmp, sink) => {
      if (form === 'data-only') {
        await applyChain(cas, layout, layers, tmp, sink, (l) => (sink.writable = l === top ? files : undefined), started?.tree)
        return
      }
      sink.writable = files
      await applyLayer(cas, await loadIndex(cas, top.index), tmp, { mode: 'overlay', opaqueXattr: `${prefix}opaque`, files: sink })
    }, started?.tmp)
  } catch (e) {
    if (isStoreError(e, Codes.TREE_CHANGED)) return 'changed'
    throw e
  }
  return 'committed'
}
