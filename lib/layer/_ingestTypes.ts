// What an ingest is given and gives back (ingest.ts, ingestTree.ts; _layerWriter.ts does the writing).

import type { WorkerPools } from '../_workerPool.js'
import type { ContentStore } from '../cas/types.js'
import type { HashBackend } from '../digest/types.js'
import type { ChunkerImpl, ChunkerOptions } from '../chunk/types.js'
import type { Digest } from '../digest/digest.js'

export interface IngestDeps {
  cas: ContentStore
  hash: HashBackend
  chunker: ChunkerImpl
  /** The open store's worker pools (the background diffID hasher, the read workers). */
  workers: WorkerPools
  chunkOptions?: Partial<ChunkerOptions>
  /** Told the bytes of file content taken in so far, after each file (progress of a folder's ingest). */
  onContent?: (bytes: number) => void
  /** Chunks made durable and visible every this many ms, not only at the end (a pull: what arrived stays). */
  publishEvery?: number
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
