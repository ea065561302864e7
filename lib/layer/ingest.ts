// Ingest a tar stream (plain or gzip) into a layer (through _layerWriter.ts): headers into an
// index written segment by segment as the tar streams past, file contents (and a trailer's
// non-zero bytes) inline or into content-defined chunks in the content store. The diffID is
// hashed from the uncompressed bytes as they stream past; nothing holds the whole layer or its
// index in memory (at most a window of chunks and a segment), however many entries or
// trailing bytes the tar has.

import { createGunzip, createZstdDecompress } from 'node:zlib'
import { Readable, pipeline } from 'node:stream'
import { Codes, StoreError, isStoreError } from '../errors.js'
import type { Digest } from '../digest/digest.js'
import { readTar } from '../tar/index.js'
import { LayerWriter } from './_layerWriter.js'
import { ingestTrailer } from './_trailer.js'
import type { IngestDeps, IngestResult } from './_ingestTypes.js'

export type { IngestDeps, IngestResult, IngestStats } from './_ingestTypes.js'

/** Ingest a tar or tar.gz stream. Errors leave no index (unreferenced chunks go at the next prune). */
export async function ingestTar(deps: IngestDeps, src: AsyncIterable<Uint8Array>): Promise<IngestResult> {
  const w = new LayerWriter(deps)
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const buf of maybeGunzip(src)) {
      const wait = w.hash(buf)
      if (wait) await wait
      yield buf
    }
  }
  const trailer = (t: AsyncIterable<Uint8Array>) => ingestTrailer(t, w.index, () => w.chunked(deps.chunker.create(deps.chunkOptions)))
  try {
    for await (const entry of readTar(hashed(), { trailer })) {
      const h = entry.header
      await w.header(h, entry.headerBytes)
      if (h.size > 0) {
        w.stats.contentSize += h.size
        const sink = w.content(h.size)
        for await (const piece of entry.body) await sink.push(piece)
        await sink.end()
      }
      const pad = entry.padding()
      if (pad.some((b) => b !== 0)) await w.index.padding(pad)
    }
  } catch (e) {
    await w.abort()
    throw e
  }
  return w.finish()
}

/**
 * Output pieces of the gunzip stream: zlib's default (16 KiB) made every piece a trip through
 * the tar reader and the chunker's generators (a 692 MB layer pulled in 30 s against 12.6 s for
 * its plain tar).
 */
const GUNZIP_CHUNK = 1 << 20

/** Pass plain tar through; decompress gzip (magic 1f 8b) or zstd on the fly. */
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
  const gzip = head[0] === 0x1f && (head.length < 2 || head[1] === 0x8b)
  // zstd's frame magic (28 b5 2f fd): OCI's tar+zstd layers, in archives and from registries.
  const zstd = head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd
  if (!gzip && !zstd) {
    yield* rest()
    return
  }
  // pipeline, not pipe: the source's own error (a download whose digest is wrong) reaches the
  // decoder's stream and this loop, instead of being an unhandled 'error' event.
  const decoder = gzip ? createGunzip({ chunkSize: GUNZIP_CHUNK }) : createZstdDecompress({ chunkSize: GUNZIP_CHUNK })
  const out = pipeline(Readable.from(rest(), { objectMode: false }), decoder, () => {})
  try {
    for await (const buf of out) yield buf as Uint8Array
  } catch (e) {
    if (isStoreError(e)) throw e
    throw new StoreError(Codes.GZIP_INVALID, `invalid ${gzip ? 'gzip' : 'zstd'} stream: ${(e as Error).message}`, { cause: e })
  }
}
