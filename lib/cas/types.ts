// The content store: immutable blobs named by the SHA-256 of their uncompressed bytes. Two
// backings behind one contract (readBlob.ts dispatches):
//   loose   one file per blob, blobs/sha256/<xx>/<hex>: what put() and putStream() write, and
//           any blob stored in more than 1 MiB;
//   packed  entries in packs/<name>.pack, found through packs/<name>.idx (_packFormat.ts):
//           what a chunk batch writes (chunks and index segments).
// A blob may be stored twice (packed and loose, or in two packs): reads take any copy, and
// every read verifies the digest. Writes go through a temp file in ingest/, are made durable,
// then linked into place; an existing blob is success. Stored bytes are never modified: gc
// deletes loose files and deletes or repacks whole packs.

import type { WorkerPool } from '../_workerPool.js'
import type { Digest } from '../digest/digest.js'
import type { Encoding } from '../codec/types.js'

export interface PutOptions {
  /** If given, the bytes must hash to this digest or the put fails with DIGEST_MISMATCH. */
  expected?: Digest
  /** Try to compress (default true). Incompressible data is stored raw anyway. */
  compress?: boolean
}

export interface PutResult {
  digest: Digest
  /** Uncompressed size. */
  size: number
  /** Bytes stored (header included); for an existing blob, its current stored size. */
  stored: number
  /** True when the blob was already in the store (nothing written). */
  existed: boolean
}

export interface BlobStat {
  digest: Digest
  size: number
  stored: number
  encoding: Encoding
}

export interface ChunkBatch {
  /** As put(), except that `stored` is not looked up (0) for a chunk that existed. */
  put(data: Uint8Array): Promise<PutResult>
  /** After every put has settled: all of them on disk, then visible (packs published). */
  commit(): Promise<void>
  /** Drops what was put and not committed. */
  abort(): Promise<void>
}

/** What is stored, from the pack indexes and the loose files' metadata: no blob is read. */
export interface StoreUsage {
  /** Stored copies: pack entries and loose files (a blob stored twice counts twice). */
  blobs: number
  /** Bytes of those copies (header and payload each). */
  stored: number
  /** Bytes the file system allocates for packs, their indexes and loose files (st_blocks). */
  allocated: number
  /** Files holding them. */
  files: number
  packs: number
  /** Stored size of a blob (its first copy), or undefined when it is not stored. */
  storedSize(d: Digest): number | undefined
}

export interface CasProblem {
  kind: 'blob' | 'pack'
  /** The blob's digest, or the pack's name. */
  id: string
  message: string
}

export interface VerifyStats {
  packs: number
  packedBlobs: number
  looseBlobs: number
  /** Bytes of content checked (uncompressed). */
  bytes: number
  problems: CasProblem[]
}

export interface SweepStats {
  /** Loose blobs deleted. */
  looseDeleted: number
  /** Packs deleted, with nothing live left in them. */
  packsDeleted: number
  /** Packs rewritten with only their live blobs (under half of their bytes were live). */
  packsRepacked: number
  /** Pack entries dropped by deleting and repacking. */
  entriesDropped: number
  /** Allocated bytes freed (less those of the packs repacking wrote). */
  reclaimed: number
  /** Dead bytes left in packs kept because mostly live: what a later repack may free. */
  deadKept: number
  /** Packs without an index (a write killed between its two links), and indexes without a pack. */
  orphans: number
}

export interface ContentStore {
  put(data: Uint8Array, opts?: PutOptions): Promise<PutResult>
  /**
   * Puts of one layer's content chunks (and index segments), written into packs as a
   * transaction: encoded off the main thread where the codec can (node:zlib's workers), made
   * durable together, and visible to has/get only once the batch is committed.
   * `publishEvery`: what the batch stored is made durable and visible every this many ms, not
   * only at commit (a killed writer keeps it). `pool`: where new chunks are compressed (one
   * whose workers run the codec's compression ops; the codec's own by default).
   */
  chunkBatch(o?: { publishEvery?: number; pool?: WorkerPool }): ChunkBatch
  /** Streams into ingest/ (never the whole blob in memory), hashes while writing. */
  putStream(src: AsyncIterable<Uint8Array>, opts?: PutOptions): Promise<PutResult>
  /** Whole blob, verified; BLOB_NOT_FOUND or BLOB_CORRUPT (naming the digest) otherwise. */
  get(d: Digest): Promise<Uint8Array>
  /** Streamed and verified; the stream errors with BLOB_CORRUPT at the end if the hash differs. */
  getStream(d: Digest): AsyncIterable<Uint8Array>
  /** Each blob whole and verified, in the order given, neighbouring packed ones read together. */
  getMany(digests: readonly Digest[]): AsyncIterable<Uint8Array>
  has(d: Digest): Promise<boolean>
  stat(d: Digest): Promise<BlobStat | undefined>
  /** Every blob once, in digest order. */
  walk(): AsyncIterable<Digest>
  /** Removes the loose copy of a blob; true if there was one. Packed copies go only by sweep(). */
  delete(d: Digest): Promise<boolean>
  /** Removes ingest/ files older than `olderThanMs` (stale from killed processes); returns count and bytes. */
  cleanIngest(olderThanMs: number): Promise<{ files: number; bytes: number }>
  /** `system df`'s numbers. */
  usage(): Promise<StoreUsage>
  /** fsck's content step: every pack read once and checked against its index, every blob's digest. */
  verify(onProgress?: (msg: string) => void): Promise<VerifyStats>
  /**
   * gc's content step, for a caller holding the gc lock with no writer live: every blob that is
   * not `live` goes (loose files deleted; packs deleted, or repacked when under half live).
   */
  sweep(live: (d: Digest) => boolean): Promise<SweepStats>
  /** The bytes sweep(live) would free now, changing nothing. */
  reclaimable(live: (d: Digest) => boolean): Promise<number>
}
