// `store import FILE|DIR|- [NAME[:TAG]]`: a rootfs tarball (gzip or not), a folder, or stdin,
// as a one-layer image, with `--change` metadata like `docker import`.

import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { dirTar } from '../layer/index.js'
import { gcLease } from '../_lock.js'
import { addLayer, putImage } from './create.js'
import { applyChange } from './changes.js'
import { newConfig } from './model.js'
import { memoLookup, memoStore, treeFingerprint } from './_treeMemo.js'
import { parseTag } from './reference.js'

export interface ImportOptions {
  /** FILE, DIR, or "-" for stdin. */
  source: string
  tag?: string
  changes?: string[]
  message?: string
  stdin?: AsyncIterable<Uint8Array>
}

export async function importImage(store: Store, opts: ImportOptions) {
  // Validate everything the user typed before touching the store.
  const tag = opts.tag === undefined ? undefined : parseTag(opts.tag)
  const config = newConfig(store.now().toISOString())
  for (const c of opts.changes ?? []) applyChange(config.config, c)

  let tar: AsyncIterable<Uint8Array>
  let isDir = false
  if (opts.source === '-') {
    tar = opts.stdin ?? (process.stdin as AsyncIterable<Uint8Array>)
  } else {
    const st = await stat(opts.source).catch(() => undefined)
    if (!st) throw new StoreError(Codes.INVALID_ARGUMENT, `open ${opts.source}: no such file or directory`, { exit: 1 })
    isDir = st.isDirectory()
    tar = isDir ? dirTar(opts.source) : createReadStream(opts.source, { highWaterMark: 1 << 20 })
  }

  const release = await gcLease(store.layout)
  try {
    // A folder imported before, unchanged since (stat fingerprint): reuse its layer.
    const fingerprint = isDir && process.env.STORE_IMPORT_MEMO !== '0' ? await treeFingerprint(store, opts.source) : undefined
    const known = fingerprint ? await memoLookup(store, fingerprint) : undefined
    const { record, stats } = known
      ? { record: await store.layers.require(known), stats: undefined }
      : await addLayer(store, null, tar)
    if (fingerprint && !known) await memoStore(store, fingerprint, record.chainId)
    config.rootfs.diff_ids = [record.diffId]
    config.history = [{ created: config.created, comment: opts.message || `Imported from ${opts.source}` }]
    const id: Digest = await putImage(store, config, { tags: tag ? [tag] : [] })
    return { id, tag, layer: record, stats }
  } finally {
    await release()
  }
}
