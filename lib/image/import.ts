// `store import FILE|DIR|- [NAME[:TAG]]`: a rootfs tarball (gzip or not), a folder, or stdin,
// as a one-layer image, with `--change` metadata like `docker import`.

import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { ingestTree, warmTreeIngest, loadIndex, treeUnchanged, type IngestResult, type LayerRecord, type TreeIngestResult } from '../layer/index.js'
import { gcLease } from '../_lock.js'
import { addLayer, ingestDeps, putImage, recordLayer } from './create.js'
import { applyChanges } from './changes.js'
import { newConfig } from './model.js'
import { lastImport, recordImport, statsTemp } from './_treeMemo.js'
import { parseTag } from '../reference.js'
import { counted, type OnProgress } from '../progress.js'

export interface ImportOptions {
  /** FILE, DIR, or "-" for stdin. */
  source: string
  tag?: string
  changes?: string[]
  message?: string
  stdin?: AsyncIterable<Uint8Array>
  /** Told the bytes read so far (of the file's size; a folder's or stdin's total is not known ahead). */
  onProgress?: OnProgress
}

export async function importImage(store: Store, opts: ImportOptions) {
  // Validate everything the user typed before touching the store.
  const tag = opts.tag === undefined ? undefined : parseTag(opts.tag)
  const config = newConfig(store.now().toISOString())
  applyChanges(config.config, opts.changes ?? [])

  let isDir = false
  let size: number | undefined
  if (opts.source !== '-') {
    const st = await stat(opts.source).catch(() => undefined)
    if (!st) throw new StoreError(Codes.INVALID_ARGUMENT, `open ${opts.source}: no such file or directory`)
    isDir = st.isDirectory()
    size = st.size
    if (isDir) warmTreeIngest(store.workers)
  }
  const on = opts.onProgress

  const release = await gcLease(store.layout)
  try {
    const { record, stats }: { record: LayerRecord; stats?: IngestResult | TreeIngestResult } = isDir
      ? await importDir(store, opts.source, on)
      : await addLayer(store, null, opts.source === '-'
        ? counted(opts.stdin ?? (process.stdin as AsyncIterable<Uint8Array>), on, 'Importing')
        : counted(createReadStream(opts.source, { highWaterMark: 1 << 20 }), on, 'Importing', size))
    config.rootfs.diff_ids = [record.diffId]
    config.history = [{ created: config.created, comment: opts.message || `Imported from ${opts.source}` }]
    const id: Digest = await putImage(store, config, { tags: tag ? [tag] : [] })
    return { id, tag, layer: record, stats }
  } finally {
    await release()
  }
}

/**
 * A folder as a layer, using its last import (by real path): the same layer if no entry
 * changed (nothing read); else unchanged files' content from it, and changed files' chunks as
 * a guess their bytes are checked against. STORE_IMPORT_MEMO=0 trusts no fingerprint: every
 * file is read (and checked against the last import's chunks, not cut and hashed here).
 */
async function importDir(store: Store, source: string, on?: OnProgress): Promise<{ record: LayerRecord; stats?: TreeIngestResult }> {
  const dir = await realpath(source)
  const trust = store.options.importMemo !== false
  const last = await lastImport(store, dir)
  if (trust && last && (await treeUnchanged(source, last.stats, store.workers))) return { record: last.record }
  const previous = last ? { index: await loadIndex(store.cas, last.record.index), stats: last.stats } : undefined
  const deps = { ...ingestDeps(store), onContent: on && ((done: number) => on({ label: 'Importing', done, unit: 'bytes' as const })) }
  const added = await recordLayer(store, null, await ingestTree(deps, source, { previous, trustFingerprints: trust, stats: await statsTemp(store) }))
  if (added.stats.treeStats) await recordImport(store, dir, added.record.chainId, added.stats.treeStats)
  return added
}
