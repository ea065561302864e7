// Rebuild a layer's uncompressed tar from its index, byte for byte, one segment at a time:
// header bytes, content (kept inline in the index, or chunks, each verified by the content
// store as it is read), padding, trailer (zeros by length). Chunks are asked for in batches
// (cas.getMany), so neighbouring chunks in a pack are read together and reads run ahead of the
// consumer: a layer of 300,000 small files is a few hundred reads, not 300,000 round trips.

import type { ContentStore } from '../cas/types.js'
import type { Digest } from '../digest/digest.js'
import type { ChunkRef, IndexRecord, LayerIndex } from './_format.js'
import { indexRecords } from './indexReader.js'

const ZEROS = new Uint8Array(1 << 20)

/** A batch of records ends at this many chunks, this many bytes of content, or this many records. */
const BATCH_CHUNKS = 1024
const BATCH_BYTES = 32 << 20
const BATCH_RECORDS = 16384

/** The layer's tar as a stream. */
export async function* layerTar(cas: ContentStore, ix: LayerIndex): AsyncGenerator<Uint8Array> {
  for await (const p of layerPieces(cas, ix)) yield p.bytes
}

/** A piece of a layer's tar: a chunk's content (with its SHA-256, hex), or other bytes of it (headers, inline data, padding, trailer). */
export interface TarPiece {
  bytes: Uint8Array
  chunk?: string
}

/** The layer's tar in pieces, each chunk's content apart and named (the chunk-aware push lays its blob out by them). */
export async function* layerPieces(cas: ContentStore, ix: LayerIndex): AsyncGenerator<TarPiece> {
  let size = 0 // content bytes of the current entry
  let padded = true
  const pad = (): Uint8Array | undefined => {
    const rem = size % 512
    const p = padded || rem === 0 ? undefined : ZEROS.subarray(0, 512 - rem)
    padded = true
    return p
  }
  for await (const r of withContents(cas, indexRecords(cas, ix))) {
    if ('chunk' in r) {
      size += r.bytes.length
      yield r
      continue
    }
    switch (r.type) {
      case 'header':
      case 'trailer': {
        const p = pad()
        if (p) yield { bytes: p }
        if (r.type === 'header') yield { bytes: r.bytes }
        size = 0
        padded = r.type === 'trailer'
        break
      }
      case 'data':
        size += r.bytes.length
        yield { bytes: r.bytes }
        break
      case 'padding':
        padded = true
        yield { bytes: r.bytes }
        break
      case 'zeros':
        for (let left = r.n; left > 0; left -= ZEROS.length) yield { bytes: left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left) }
        break
      case 'bytes':
        yield { bytes: r.bytes }
        break
    }
  }
}

/** The records, each chunks record followed by the contents of its chunks, read a batch at a time. */
async function* withContents(cas: ContentStore, records: AsyncIterable<IndexRecord>): AsyncGenerator<IndexRecord | Required<TarPiece>> {
  let batch: IndexRecord[] = []
  let chunks = 0
  let bytes = 0
  for await (const r of records) {
    batch.push(r)
    if (r.type === 'chunks') {
      chunks += r.refs.length
      for (const [, n] of r.refs) bytes += n
    }
    if (chunks >= BATCH_CHUNKS || bytes >= BATCH_BYTES || batch.length >= BATCH_RECORDS) {
      yield* emit(cas, batch)
      batch = []
      chunks = bytes = 0
    }
  }
  yield* emit(cas, batch)
}

async function* emit(cas: ContentStore, batch: IndexRecord[]): AsyncGenerator<IndexRecord | Required<TarPiece>> {
  const digests: Digest[] = []
  for (const r of batch) if (r.type === 'chunks') for (const [hex] of r.refs) digests.push(`sha256:${hex}`)
  const contents = cas.getMany(digests)[Symbol.asyncIterator]()
  try {
    for (const r of batch) {
      if (r.type !== 'chunks') {
        yield r
        continue
      }
      for (let k = 0; k < r.refs.length; k++) yield { chunk: r.refs[k][0], bytes: (await contents.next()).value as Uint8Array }
    }
  } finally {
    await contents.return?.()
  }
}

/** The contents of `refs`, in order, read ahead of the consumer. */
export function chunkContents(cas: ContentStore, refs: ChunkRef[]): AsyncIterable<Uint8Array> {
  return cas.getMany(refs.map(([hex]) => `sha256:${hex}` as Digest))
}
