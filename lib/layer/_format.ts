// The layer index: what a layer is, apart from its file contents. Pure (no node: imports).
//
// A layer is the exact bytes of its tar, cut into three kinds of pieces:
//   - each entry's header blocks (PAX/GNU extension blocks + ustar header), kept verbatim;
//   - each regular file's content, split by the chunker into blobs in the content store;
//   - each entry's padding (kept only when not all zero) and the archive's trailer.
// Concatenating them in order gives the original tar byte for byte, so the diffID survives
// every round trip, while identical content is stored once whatever its name, mtime or owner.
//
// Two formats, both read:
//   v2 (written): a small JSON root blob naming the layer (diffID, size, entry count) and its
//      segment blobs in order; the segments hold the records (_records.ts), cut by
//      _segments.ts. Written as ingest goes, read one segment at a time: memory is bounded
//      by a segment, whatever the number of entries or the size of the trailer.
//   v1 (stores made before): one JSON blob holding every entry (headers in base64) and the
//      trailer. Read whole, as it was written.

import { Codes, StoreError } from '../errors.js'
import type { Digest } from '../digest/digest.js'
import type { ChunkRef } from './_records.js'

export type { ChunkRef, IndexRecord } from './_records.js'

export const INDEX_MEDIA_TYPE = 'application/vnd.store.layer.index.v2+json'
export const INDEX_V1_MEDIA_TYPE = 'application/vnd.store.layer.index.v1+json'

/** A segment of a v2 index: hex digest of its bytes and its length. */
export type SegmentRef = [hex: string, size: number]

/** One entry, joined from its records (indexEntries()). */
export interface IndexEntry {
  /** Exact header bytes. */
  h: Uint8Array
  /** Content chunks, in order (regular files with content only). */
  c?: ChunkRef[]
  /** Content kept in the index itself (a file of at most INLINE_MAX bytes): instead of `c`. */
  d?: Uint8Array
  /** Padding bytes when any is non-zero (rare); absent means zeros. */
  p?: Uint8Array
}

/** A layer index as loaded: its root. Entries are read with indexRecords()/indexEntries(). */
export type LayerIndex =
  | { kind: 'segmented'; diffId: Digest; size: number; entries: number; segments: SegmentRef[]; digest?: Digest }
  /** The v1 format, whole in memory (also what a test builds by hand). */
  | { kind: 'whole'; diffId: Digest; size: number; entries: IndexEntry[]; trailer: Uint8Array; digest?: Digest }

export function encodeRoot(ix: { diffId: Digest; size: number; entries: number; segments: SegmentRef[] }): Uint8Array {
  const { diffId, size, entries, segments } = ix
  return new TextEncoder().encode(JSON.stringify({ mediaType: INDEX_MEDIA_TYPE, diffId, size, entries, segments }))
}

/** A root blob of either format (`digest`, if given, names it: in errors and in the result). */
export function decodeIndex(bytes: Uint8Array, digest?: Digest): LayerIndex {
  const what = digest ?? '(unnamed)'
  let raw: any
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes))
  } catch (e) {
    throw corruptIndex(what, 'is not valid JSON', e)
  }
  if (raw?.mediaType === INDEX_MEDIA_TYPE && Array.isArray(raw.segments) && Number.isSafeInteger(raw.entries)) {
    for (const s of raw.segments) {
      if (!Array.isArray(s) || !/^[0-9a-f]{64}$/.test(s[0]) || !Number.isSafeInteger(s[1])) throw corruptIndex(what, 'names a segment that is not a digest')
    }
    return { kind: 'segmented', diffId: raw.diffId, size: raw.size, entries: raw.entries, segments: raw.segments, digest }
  }
  if (raw?.mediaType === INDEX_V1_MEDIA_TYPE && Array.isArray(raw.entries)) {
    return {
      kind: 'whole',
      digest,
      diffId: raw.diffId,
      size: raw.size,
      trailer: fromBase64(raw.trailer ?? ''),
      entries: raw.entries.map((e: any) => ({ h: fromBase64(e.h), c: e.c, p: e.p === undefined ? undefined : fromBase64(e.p) })),
    }
  }
  throw corruptIndex(what, 'has an unknown format')
}

export function corruptIndex(what: string, why: string, cause?: unknown): StoreError {
  return new StoreError(Codes.LAYER_CORRUPT, `layer index ${what} ${why}`, { data: { index: what }, cause })
}

// atob where there is no Buffer; Node's Buffer where there is one (native: btoa over a binary
// string cost ~75 ms for the index of a 3,000-file layer).
const NodeBuffer = (globalThis as { Buffer?: { from(a: string, enc: string): Uint8Array } }).Buffer

function fromBase64(s: string): Uint8Array {
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(s, 'base64')) // a copy: not a view of Buffer's shared pool
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
