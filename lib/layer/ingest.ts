// Ingest a tar stream (plain or gzip) into a layer: headers into an index written segment by
// segment as the tar streams past, file contents (and a trailer's non-zero bytes) into
// content-defined chunks in the content store. The diffID is hashed from the uncompressed bytes
// as they stream past; nothing holds the whole layer or its index in memory (at most a window
// of chunks and a segment), however many entries or trailing bytes the tar has.

import { createGunzip } from 'node:zlib'
import { Readable } from 'node:stream'
import { Codes, StoreError, isStoreError } from '../errors.js'
import type { ContentStore } from '../cas/types.js'
import type { HashBackend } from '../digest/types.js'
import type { ChunkerImpl, ChunkerOptions } from '../chunk/types.js'
import type { Digest } from '../digest/digest.js'
import { readTar } from '../tar/index.js'
import { encodeRoot, type ChunkRef, type SegmentRef } from './_format.js'
import { EntryChecks } from './entryChecks.js'
import { IndexWriter } from './indexWriter.js'
import { ingestTrailer } from './_trailer.js'
import { Window } from './_window.js'

export interface IngestDeps {
  cas: ContentStore
  hash: HashBackend
  chunker: ChunkerImpl
  chunkOptions?: Partial<ChunkerOptions>
}

export interface IngestStats {
  entries: number
  /** Bytes of regular-file content in the layer (the trailer's not counted). */
  contentSize: number
  chunks: number
  /** Uncompressed bytes of chunks that were new to the store. */
  newBytes: number
  /** Bytes written to disk for new chunks (after compression). */
  newStored: number
}

export interface IngestResult extends IngestStats {
  diffId: Digest
  /** Bytes of the uncompressed tar. */
  size: number
  /** Digest of the index blob. */
  index: Digest
}

const WINDOW = Number(process.env.STORE_INGEST_WINDOW ?? 32)

/** Ingest a tar or tar.gz stream. Errors leave no index (unreferenced chunks go at the next prune). */
export async function ingestTar(deps: IngestDeps, src: AsyncIterable<Uint8Array>): Promise<IngestResult> {
  // The diffID: in a worker where the backend offers one (the main thread has the chunks to hash).
  const bg = deps.hash.background?.()
  const hasher = bg ? undefined : deps.hash.create()
  let size = 0
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const buf of maybeGunzip(src)) {
      if (bg) {
        const wait = bg.update(buf)
        if (wait) await wait
      } else hasher!.update(buf)
      size += buf.length
      yield buf
    }
  }

  const stats: IngestStats = { entries: 0, contentSize: 0, chunks: 0, newBytes: 0, newStored: 0 }
  const window = new Window(WINDOW)
  const checks = new EntryChecks()
  const batch = deps.cas.chunkBatch()
  // Segments are blobs like chunks: written by the same batch, durable with them.
  const index = new IndexWriter((seg) => batch.put(seg).then((r) => r.digest), window)
  const putChunk = async (chunk: Uint8Array): Promise<void> => {
    const ref = batch.put(chunk).then((r): ChunkRef => {
      if (!r.existed) {
        stats.newBytes += r.size
        stats.newStored += r.stored
      }
      return [r.digest.slice(7), r.size]
    })
    stats.chunks++
    await index.chunk(ref)
    await window.add(ref)
  }
  const reader = readTar(hashed(), { trailer: (t) => ingestTrailer(t, index, () => deps.chunker.create(deps.chunkOptions), putChunk) })

  let segments: SegmentRef[]
  try {
    await readEntries()
    await window.drain()
    segments = await index.finish()
  } catch (e) {
    // Let the puts in flight finish, then remove what they wrote: nothing of a failed layer stays.
    await window.drain().catch(() => {})
    await batch.abort()
    await bg?.digest().catch(() => {}) // ends the worker's state
    throw e
  }
  // Every chunk and segment on disk and in blobs/ before the root that refers to them.
  await batch.commit()

  const diffId = bg ? await bg.digest() : hasher!.digest()
  const put = await deps.cas.put(encodeRoot({ diffId, size, entries: stats.entries, segments }))
  return { ...stats, diffId, size, index: put.digest }

  async function readEntries() {
    for await (const entry of reader) {
      const h = entry.header
      checks.check(h)
      await index.header(entry.headerBytes)
      if (h.size > 0) {
        const chunker = deps.chunker.create(deps.chunkOptions)
        for await (const piece of entry.body) for (const c of chunker.push(piece)) await putChunk(c)
        for (const c of chunker.end()) await putChunk(c)
        stats.contentSize += h.size
      }
      const pad = entry.padding()
      if (pad.some((b) => b !== 0)) await index.padding(pad)
      stats.entries++
    }
  }
}

/** Pass plain tar through; decompress gzip (magic 1f 8b) on the fly. */
async function* maybeGunzip(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = src[Symbol.asyncIterator]()
  let first = await it.next()
  while (!first.done && first.value.length === 0) first = await it.next()
  if (first.done) return
  const head = first.value
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield head
    for (;;) {
      const n = await it.next()
      if (n.done) return
      yield n.value
    }
  }
  if (!(head[0] === 0x1f && (head.length < 2 || head[1] === 0x8b))) {
    yield* rest()
    return
  }
  const gunzip = Readable.from(rest(), { objectMode: false }).pipe(createGunzip())
  try {
    for await (const buf of gunzip) yield buf as Uint8Array
  } catch (e) {
    if (isStoreError(e)) throw e
    throw new StoreError(Codes.GZIP_INVALID, `invalid gzip stream: ${(e as Error).message}`, { cause: e, exit: 1 })
  }
}
