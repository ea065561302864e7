// Deltas across versions: a new chunk that resembles a stored one is stored as a delta against
// it. Three parts, each a small contract here:
//
//   sketch   a chunk's resemblance sketch: FEATURES 32-bit features, each the maximum of one
//            linear transform over content-defined samples of a 64-bit gear hash (Odess-style
//            sampling, N-transform features). Chunks sharing a feature share the exact window
//            (the last ~61 bytes before the sample) that won it: resemblance, not chance.
//   index    feature -> chunks that had it, newest first (a cache: losing it loses compression,
//            never data). Each feature is a key of its own: grouping features into super-
//            features found far fewer bases (prettier 3.1 -> 3.2: 614 KB with 6 pairs, 448 KB
//            with single features, of 2.25 MB plain).
//   delta    the stored form: blob encoding 4 ('delta', lib/codec/header.ts), a payload naming
//            its base and depth (format.ts), and zstd blocks compressed with the base as a raw
//            prefix that any plain zstd decoder reads once the base is put in front as raw
//            blocks (_zstdFrame.ts): written natively, read everywhere.
//
// Vocabulary: a chunk's *depth* is 0 when it is stored whole (any other encoding), else
// 1 + its base's depth. Reads resolve at most MAX_DEPTH deltas, so a reader never fetches more
// than MAX_DEPTH + 1 blobs for one chunk.

import type { Digest } from '../../digest/digest.js'

/** Features per sketch (and index keys per chunk). 8 found 99 % of what 12 found (bench/delta). */
export const FEATURES = 8

/** Deepest delta chain a writer makes and a reader accepts. */
export const MAX_DEPTH = 4

/**
 * Chunks larger than this are never stored as deltas (2x FastCDC's default maximum): a delta
 * blob then always fits a pack entry (≤ 1 MiB) and is read whole, never streamed.
 */
export const MAX_DELTA_SIZE = 512 << 10

/**
 * zstd level of delta blocks. Level 3 as for whole chunks: on the 984 deltas of prettier's 10
 * minor releases level 9 stored 10 % less at half the speed (bench/delta: 5.10 against 5.69 MB,
 * 49 against 101 MB/s); deltas are most of what a version series writes, so their encode
 * speed is the import's.
 */
export const DELTA_LEVEL = 3

/** A chunk's features; a feature 0 means "no sample won it" and is never indexed. */
export type Sketch = Uint32Array

export type SketcherName = 'wasm' | 'ts'

export interface Sketcher {
  readonly name: SketcherName
  /** The sketch of one chunk (a new array; the input is not kept). */
  sketch(chunk: Uint8Array): Sketch
}

/** A stored chunk that shares features with a sketch. */
export interface Candidate {
  digest: Digest
  /** Its depth as written (a hint: the blob's own header is authoritative). */
  depth: number
  /** Features shared with the sketch looked up. */
  shared: number
}

/**
 * Feature -> chunks. Lifecycle: open (loads segment headers), lookup()/add() any number of
 * times, flush() to persist what was added (one new immutable segment), close(). Concurrent
 * processes each write their own segments; compaction merges them (see _segment.ts).
 */
export interface ResemblanceIndex {
  /** Chunks sharing at least one feature, most shared first, newest first among equals. */
  lookup(sketch: Sketch, limit?: number): Candidate[]
  /** Remembers a stored chunk: visible to lookup() at once here, to other processes after flush(). */
  add(digest: Digest, sketch: Sketch, depth: number): void
  /** Persists what was added since the last flush; compacts when segments pile up. */
  flush(): Promise<void>
  /** Rewrites the index as one segment, keeping only chunks `keep` accepts (gc passes its live set). */
  compact(keep?: (d: Digest) => boolean): Promise<void>
  close(): Promise<void>
}

/** A chunk chosen as a base, as the writer holds it. */
export interface DeltaBase {
  digest: Digest
  content: Uint8Array
  /** The base's own depth (0: stored whole). */
  depth: number
}

/** What a reader needs to resolve a delta's chain: the content store's own primitives. */
export interface DeltaBases {
  /**
   * Stored bytes (header included) of blob `d`; throws BLOB_NOT_FOUND when it is absent. With
   * `below`, a copy stored at a depth under it when the store has several (two imports at once
   * may each store the same chunk, as a delta against a chunk the other stored whole); the first
   * copy found when none is.
   */
  readStored(d: Digest, below?: number): Promise<Uint8Array>
  /** SHA-256 of bytes: every base in a chain is verified, as every read is. */
  sha256(data: Uint8Array): Digest
  /** Verified contents of recent bases (baseCache.ts): a chain walk stops at the first hit. */
  cache?: { get(d: Digest): Uint8Array | undefined; set(d: Digest, content: Uint8Array): void }
}
