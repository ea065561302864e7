// Snapshots: each layer extracted once, read-only, at snapshots/<chainID>/, whiteouts in
// overlayfs form, shared by every container of every image that has the layer. A snapshot is a
// cache (rebuildable from blobs): it is built in a temp dir and renamed into place, so a
// half-extracted snapshot is never used; two processes racing to build one both succeed.

import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { ContentStore } from '../cas/types.js'
import type { Layout } from '../layout.js'
import type { LayerRecord } from './records.js'
import { loadIndex } from './indexReader.js'
import { applyLayer } from './apply.js'

export interface SnapshotOptions {
  /** xattr overlayfs reads for opaque dirs: trusted.* as root, user.* in a user namespace. */
  opaqueXattr?: string
}

/** What overlayfs reads here: trusted.* needs root; without it the mount uses `userxattr`. */
const defaultOpaqueXattr = () => (process.getuid?.() === 0 ? 'trusted.overlay.opaque' : 'user.overlay.opaque')

/** Snapshot dirs of a chain, base first; builds the missing ones. */
export async function ensureSnapshots(cas: ContentStore, layout: Layout, layers: LayerRecord[], opts: SnapshotOptions = {}): Promise<string[]> {
  const dirs: string[] = []
  for (const l of layers) {
    const dir = layout.snapshot(l.chainId)
    if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
      const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
      await mkdir(tmp, { recursive: true })
      try {
        await applyLayer(cas, await loadIndex(cas, l.index), tmp, { mode: 'overlay', opaqueXattr: opts.opaqueXattr ?? defaultOpaqueXattr() })
        await rename(tmp, dir).catch(async (e) => {
          // Another process finished the same snapshot first: theirs is as good as ours.
          if (e?.code !== 'ENOTEMPTY' && e?.code !== 'EEXIST') throw e
        })
      } finally {
        await rm(tmp, { recursive: true, force: true })
      }
    }
    dirs.push(dir)
  }
  return dirs
}
