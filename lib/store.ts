// Store: opens a root and wires the parts. Everything a command does goes through one of these.

import { mkdir, readFile } from 'node:fs/promises'
import { Codes, StoreError } from './errors.js'
import { layout, LAYOUT_VERSION, type Layout } from './layout.js'
import { writeFileAtomic } from './_fs.js'
import { initHashing, loadHashBackend } from './digest/index.js'
import type { HashBackend } from './digest/types.js'
import { loadCodec } from './codec/index.js'
import { createContentStore } from './cas/index.js'
import type { ContentStore } from './cas/types.js'
import { loadChunker } from './chunk/index.js'
import type { ChunkerImpl } from './chunk/types.js'
import { createLayerRecords, type LayerRecords } from './layer/index.js'
import { createImageRecords, type ImageRecords } from './imageRecords.js'
import { recordBudget } from './snapshot/budget.js'
import type { StoreConfig } from './config.js'
import { WorkerPools } from './_workerPool.js'

export { defaultRoot } from './config.js'

export interface StoreOptions extends StoreConfig {
  root: string
  /** Clock, for tests and reproducible builds. */
  now?: () => Date
}

export interface Store {
  root: string
  layout: Layout
  hash: HashBackend
  cas: ContentStore
  chunker: ChunkerImpl
  layers: LayerRecords
  images: ImageRecords
  now: () => Date
  options: StoreOptions
  /** Its worker threads (compression of large blobs, the background hasher, the read workers), started on first use. */
  workers: WorkerPools
  /** Ends its worker threads. The store stays usable: a later job starts them again. */
  close(): Promise<void>
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (!opts.root.startsWith('/')) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `store root must be an absolute path: ${opts.root}`)
  }
  const l = layout(opts.root)
  await checkVersion(l)
  // A budget given to any command is the store's from now on (lib/snapshot/budget.ts).
  if (opts.snapshotBudget !== undefined) await recordBudget(l, opts.snapshotBudget)
  // A backend asked for also serves sha256() (the default one arms it when it loads).
  const workers = new WorkerPools()
  const [hash, codec, chunker] = await Promise.all([
    opts.hash ? initHashing(opts.hash) : loadHashBackend(), loadCodec(opts.codec, { encoding: opts.compression, workers }), loadChunker(opts.chunker),
  ])
  const cas = createContentStore({ layout: l, hash, codec, deltas: opts.deltas })
  return {
    root: l.root,
    layout: l,
    hash,
    cas,
    chunker,
    layers: createLayerRecords(l),
    images: createImageRecords(l),
    now: opts.now ?? (() => new Date()),
    options: opts,
    workers,
    close: () => workers.close(),
  }
}

async function checkVersion(l: Layout): Promise<void> {
  let text: string | undefined
  try {
    text = await readFile(l.version, 'utf8')
  } catch (e: any) {
    if (e?.code !== 'ENOENT') throw e
  }
  if (text === undefined) {
    for (const d of [l.blobsDir, l.ingestDir, l.layersDir, l.snapshotsDir, l.imagesDir, l.containersDir, l.volumesDir, l.cacheDir, l.locksDir]) {
      await mkdir(d, { recursive: true })
    }
    await writeFileAtomic(l.version, `${LAYOUT_VERSION}\n`)
    return
  }
  const v = Number.parseInt(text.trim(), 10)
  if (!Number.isFinite(v)) {
    throw new StoreError(Codes.LAYOUT_TOO_NEW, `store root ${l.root} has an unreadable VERSION file`)
  }
  if (v > LAYOUT_VERSION) {
    throw new StoreError(Codes.LAYOUT_TOO_NEW, `store root ${l.root} has layout version ${v}, newer than this store understands (${LAYOUT_VERSION})`, {
      hint: 'upgrade store, or use another --root',
      })
  }
}
