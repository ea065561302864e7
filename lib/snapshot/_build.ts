// One snapshot made and published: built in a temp dir beside its final place, its pool files
// committed (durable, then named) and its map written, and only then the dir renamed into place,
// so a half-built snapshot is never used and a snapshot that exists has its map. A killed build
// leaves `<chainID>.tmp-<pid>-…` (gc and prune sweep it) and the pool batch's temp dir. Two
// processes racing to build one both succeed: the loser's map, written over the winner's, says
// the same (same layers, same pool names). Used by the extraction (ensure.ts) and the direct
// commit of a writable layer (commit.ts): one publishing protocol for both.

import { mkdirSync, rmSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { Layout } from '../layout.js'
import type { Digest } from '../digest/digest.js'
import { syncFs, writeFileAtomic } from '../_fs.js'
import { SnapshotSink, placeCopy, type PlaceFile } from './_sink.js'
import { placeStub } from './_stub.js'
import { placeClone } from './_clone.js'
import { placeLink } from './_link.js'
import { ownBytes } from './_ownBytes.js'
import { fixClashes } from './_clashes.js'
import { encodeMap } from './map.js'
import type { SharingMethod } from './types.js'

const PLACE: Record<SharingMethod, PlaceFile> = { 'data-only': placeStub, reflink: placeClone, hardlink: placeLink, copy: placeCopy }

export const defaultPrefix = () => (process.getuid?.() === 0 ? 'trusted.overlay.' : 'user.overlay.')

/** A temp dir for a snapshot being built, beside the snapshots: what gc sweeps when its writer is gone. */
export function snapshotTmp(layout: Layout, name: string): string {
  const tmp = `${layout.snapshotsDir}/${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  mkdirSync(tmp, { recursive: true })
  return tmp
}

/**
 * Builds snapshots/<chainId>/ in `form`: `fill` applies the layer(s) into the temp dir through
 * the sink. `begun`: a temp dir from snapshotTmp() that a copy is already filling (commit.ts);
 * it is removed whatever happens, as the one made here is.
 */
export async function buildSnapshot(layout: Layout, chainId: Digest, form: SharingMethod, prefix: string, fill: (tmp: string, sink: SnapshotSink) => Promise<void>, begun?: string): Promise<void> {
  const dir = layout.snapshot(chainId)
  const tmp = begun ?? snapshotTmp(layout, chainId.slice(7))
  const sink = new SnapshotSink(layout, form, PLACE[form], prefix)
  try {
    await fill(tmp, sink)
    const clashes = await sink.ctx.batch.commit()
    if (clashes.size > 0) await fixClashes(sink, tmp, clashes)
    // The copy form's files hold their bytes themselves (no pool file was made durable above):
    // on disk before the map and the name say the snapshot is there.
    if (form === 'copy') await syncFs(tmp)
    await writeFileAtomic(layout.snapshotMap(chainId), encodeMap(form, ownBytes(tmp, form === 'reflink' || form === 'hardlink' ? sink.refs : undefined), sink.refs))
    await rename(tmp, dir).catch((e) => {
      // Another process finished the same snapshot first: theirs is as good as ours.
      if (e?.code !== 'ENOTEMPTY' && e?.code !== 'EEXIST') throw e
    })
  } finally {
    sink.ctx.batch.abort()
    rmSync(tmp, { recursive: true, force: true })
  }
}
