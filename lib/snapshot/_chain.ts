// The data-only form's snapshots are whole chains, not single layers: snapshots/<chainID>/ is
// the metadata-only tree of every layer up to that one, applied in order with OCI's rules
// (whiteouts delete, opaque markers empty a dir: applyLayer's plain mode), so a container
// mounts one tree over the pool: `lowerdir=<init>:<chain>::<pool>`. Why not one tree per layer:
// overlayfs (6.18) follows a stub only in the LAST lower before the data-only ones; a stub in
// a lower with more lowers below it is refused (EPERM, "refusing to follow metacopy origin")
// unless the mount turns metacopy on, and metacopy=on makes a chmod in the container copy up
// metadata only (the upper dir would hold sparse files that diff and commit read as zeros) and
// turns redirect_dir on (a renamed dir's content would stay in the lowers). composefs does the
// same: one metadata image per container image over a shared object store.
// A chain's tree starts as a copy of the longest prefix of it that has one (stubs are inodes
// and xattrs: no data is copied), then the remaining layers are applied onto it.

import { spawnSync } from 'node:child_process'
import type { ContentStore } from '../cas/types.js'
import type { Layout } from '../layout.js'
import { Codes, StoreError } from '../errors.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'
import { mapFormSync, readMapSync } from './map.js'
import type { SnapshotSink } from './_sink.js'
import { isDir } from './_ownBytes.js'

/**
 * Applies `layers` (a whole chain) into the empty dir `tmp`, starting from a prefix's tree where
 * one exists. `before` is called before each layer is applied (a direct commit points the sink
 * at its writable layer for the top one only).
 */
export async function applyChain(cas: ContentStore, layout: Layout, layers: LayerRecord[], tmp: string, sink: SnapshotSink, before?: (l: LayerRecord) => void): Promise<void> {
  let from = 0
  for (let i = layers.length - 2; i >= 0; i--) {
    const dir = layout.snapshot(layers[i].chainId)
    if (!isDir(dir) || mapFormSync(layout.snapshotMap(layers[i].chainId)) !== 'data-only') continue
    const map = readMapSync(layout.snapshotMap(layers[i].chainId))
    // --sparse=always: a stub stays a hole; -a keeps owners, modes, times, hard links and xattrs.
    const r = spawnSync('cp', ['-a', '--sparse=always', '--', `${dir}/.`, `${tmp}/`], { encoding: 'utf8' })
    if (r.status !== 0) throw new StoreError(Codes.IO_ERROR, `cannot copy snapshot ${dir}: ${r.stderr.trim()}`)
    for (const [rel, ref] of map?.entries() ?? []) sink.refs.set(rel, ref)
    from = i + 1
    break
  }
  for (const l of layers.slice(from)) {
    before?.(l)
    await applyLayer(cas, await loadIndex(cas, l.index), tmp, { mode: 'plain', files: sink })
  }
}
