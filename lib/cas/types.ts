// The content store: immutable blobs named by the SHA-256 of their uncompressed bytes, at
// blobs/sha256/<xx>/<hex>. Ingest writes a temp file under ingest/, hashes while writing,
// fsyncs, renames; a blob that already exists is success. Reads verify the digest.

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
  /** Bytes on disk (header included); for an existing blob, its current stored size. */
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
  /** After every put has settled: all of them on disk, then in blobs/. */
  commit(): Promise<void>
  /** Drops what was put and not committed. */
  abort(): Promise<void>
}

export interface ContentStore {
  put(data: Uint8Array, opts?: PutOptions): Promise<PutResult>
  /**
   * Puts of one layer's content chunks: same blobs on disk as put(), but done off the main thread
   * where the platform allows (worker threads), so many can be in flight cheaply, and made durable
   * together: a chunk is in blobs/ (visible to has/get) only once the batch is committed.
   */
  chunkBatch(): ChunkBatch
  /** Streams into ingest/ (never the whole blob in memory), hashes while writing. */
  putStream(src: AsyncIterable<Uint8Array>, opts?: PutOptions): Promise<PutResult>
  /** Whole blob, verified; BLOB_NOT_FOUND or BLOB_CORRUPT (naming the digest) otherwise. */
  get(d: Digest): Promise<Uint8Array>
  /** Streamed and verified; the stream errors with BLOB_CORRUPT at the end if the hash differs. */
  getStream(d: Digest): AsyncIterable<Uint8Array>
  has(d: Digest): Promise<boolean>
  stat(d: Digest): Promise<BlobStat | undefined>
  walk(): AsyncIterable<Digest>
  /** True if it existed. */
  delete(d: Digest): Promise<boolean>
  /** Removes ingest/ files older than `olderThanMs` (stale from killed processes); returns count and bytes. */
  cleanIngest(olderThanMs: number): Promise<{ files: number; bytes: number }>
}
