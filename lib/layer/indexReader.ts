// Reading a layer index, one segment at a time (the next one read ahead), whichever its format.
// Every consumer goes through indexRecords(): the tar rebuild (export, save, fsck), apply,
// gc's marking and df's accounting. Each segment is verified by the content store (its
// digest) and the sequence by its shape: headers first, one trailer, as many entries as the
// root says; anything else is LAYER_CORRUPT naming the index.

import type { ContentStore } from '../cas/types.js'
import { digestFromHex, type Digest } from '../digest/digest.js'
import { parseHeaderBytes, type TarHeader } from '../tar/index.js'
import { corruptIndex, decodeIndex, type ChunkRef, type IndexEntry, type IndexRecord, type LayerIndex } from './_format.js'
import { readRecords } from './_records.js'

/** The root of an index (a v1 index: all of it). */
export async function loadIndex(cas: ContentStore, index: Digest): Promise<LayerIndex> {
  return decodeIndex(await cas.get(index), index)
}

/**
 * Every record of the layer, in archive order. `onSegment` is told the hex digest of each segment
 * before its records come (a whole, first-format index is one segment: the index itself).
 */
export async function* indexRecords(cas: ContentStore, ix: LayerIndex, onSegment?: (hex: string) => void): AsyncGenerator<IndexRecord> {
  const what = ix.digest ?? `of layer ${ix.diffId}`
  if (ix.kind === 'whole') {
    onSegment?.(ix.digest?.slice(7) ?? '')
    yield* wholeRecords(ix)
    return
  }
  let headers = 0
  let inTrailer = false
  let started = false
  const fetch = (i: number) => (i < ix.segments.length ? cas.get(digestFromHex(ix.segments[i][0])) : undefined)
  let next = fetch(0)
  for (let i = 0; i < ix.segments.length; i++) {
    const seg = await next!
    next = fetch(i + 1)
    next?.catch(() => {}) // an error surfaces when its turn comes
    onSegment?.(ix.segments[i][0])
    for (const r of readRecords(seg, ix.segments[i][0])) {
      if (r.type === 'header') {
        if (inTrailer) throw corruptIndex(what, 'has an entry after its trailer')
        headers++
        started = true
      } else if (r.type === 'trailer') {
        if (inTrailer) throw corruptIndex(what, 'has two trailers')
        inTrailer = true
      } else if (r.type === 'zeros' || r.type === 'bytes') {
        if (!inTrailer) throw corruptIndex(what, 'has trailer bytes among its entries')
      } else if (r.type === 'padding' || r.type === 'data' ? !started || inTrailer : !started && !inTrailer) {
        throw corruptIndex(what, `has ${r.type} outside an entry`)
      }
      yield r
    }
  }
  if (!inTrailer) throw corruptIndex(what, 'ends without its trailer')
  if (headers !== ix.entries) throw corruptIndex(what, `has ${headers} entries, its root says ${ix.entries}`)
}

function* wholeRecords(ix: Extract<LayerIndex, { kind: 'whole' }>): Generator<IndexRecord> {
  for (const e of ix.entries) {
    yield { type: 'header', bytes: e.h }
    if (e.c && e.c.length > 0) yield { type: 'chunks', refs: e.c }
    if (e.d) yield { type: 'data', bytes: e.d }
    if (e.p) yield { type: 'padding', bytes: e.p }
  }
  yield { type: 'trailer' }
  if (ix.trailer.length > 0) yield { type: 'bytes', bytes: ix.trailer }
}

/** The entries, each joined from its records (its chunk list may span segments). */
export async function* indexEntries(cas: ContentStore, ix: LayerIndex): AsyncGenerator<IndexEntry> {
  let cur: IndexEntry | undefined
  for await (const r of indexRecords(cas, ix)) {
    if (r.type === 'header' || r.type === 'trailer') {
      if (cur) yield cur
      cur = r.type === 'header' ? { h: r.bytes } : undefined
    } else if (cur && r.type === 'chunks') {
      if (cur.c) for (const c of r.refs) cur.c.push(c)
      else cur.c = r.refs
    } else if (cur && r.type === 'data') cur.d = r.bytes
    else if (cur && r.type === 'padding') cur.p = r.bytes
  }
}

/** Headers of every entry, parsed (for diff, history, apply planning). */
export async function* indexHeaders(cas: ContentStore, ix: LayerIndex): AsyncGenerator<TarHeader> {
  for await (const r of indexRecords(cas, ix)) if (r.type === 'header') yield parseHeaderBytes(r.bytes)
}

/** Every content chunk of a layer (entries and trailer), with its length: df's accounting. */
export async function* indexChunks(cas: ContentStore, index: Digest): AsyncGenerator<ChunkRef> {
  for await (const r of indexRecords(cas, await loadIndex(cas, index))) if (r.type === 'chunks') yield* r.refs
}

/**
 * df's accounting of a layer's content, piece by piece, in archive order: where each index
 * segment starts (a whole, first-format index is one segment), each chunk reference of the
 * entries (a chunk a layer uses twice comes twice), the trailer's chunks, and the length of
 * each small file kept in the index itself (its bytes are stored in the segment that holds it).
 */
export async function* indexContent(cas: ContentStore, index: Digest): AsyncGenerator<ContentPiece> {
  const starts: string[] = []
  let trailer = false
  for await (const r of indexRecords(cas, await loadIndex(cas, index), (hex) => starts.push(hex))) {
    while (starts.length > 0) yield { kind: 'segment', hex: starts.shift()! }
    if (r.type === 'chunks') yield { kind: 'chunks', refs: r.refs, trailer }
    else if (r.type === 'data') yield { kind: 'inline', bytes: r.bytes.length }
    else if (r.type === 'trailer') trailer = true
  }
}

export type ContentPiece =
  | { kind: 'segment'; hex: string }
  | { kind: 'chunks'; refs: ChunkRef[]; trailer: boolean }
  | { kind: 'inline'; bytes: number }

/** Every blob an index refers to (its segments, then its chunks), not itself: gc's marking. */
export async function* indexBlobs(cas: ContentStore, index: Digest): AsyncGenerator<Digest> {
  const ix = await loadIndex(cas, index)
  if (ix.kind === 'segmented') for (const [hex] of ix.segments) yield digestFromHex(hex)
  for await (const r of indexRecords(cas, ix)) if (r.type === 'chunks') for (const [hex] of r.refs) yield digestFromHex(hex)
}
