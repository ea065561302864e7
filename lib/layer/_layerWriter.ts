// The one place a layer is written, whatever it comes from (a tar stream: ingest.ts; a folder:
// ingestTree.ts): entry checks, the diffID (SHA-256 of the tar, hashed in a worker where the
// backend offers one), content kept inline or cut into chunks and put through the layer's
// chunk batch, the index written segment by segment, and the root last, once every chunk
// and segment is durable. Memory: a window of puts in flight and a segment.

import type { ChunkBatch } from '../cas/types.js'
import { YOUNG_AFTER, keepYoungGenerationSmall } from '../_heap.js'
import type { Chunker } from '../chunk/types.js'
import type { Digest } from '../digest/digest.js'
import type { TarHeader } from '../tar/index.js'
import { INLINE_MAX } from './_records.js'
import { encodeRoot, type ChunkRef, type SegmentRef } from './_format.js'
import { EntryChecks } from './entryChecks.js'
import { IndexWriter } from './indexWriter.js'

type Wait = Promise<void> | undefined
import { Window } from './_window.js'
import { readWorkers } from './_readWorker.js'
import type { IngestDeps, IngestResult, IngestStats } from './_ingestTypes.js'

/**
 * Chunk puts in flight: many (a small file's chunk waits for a worker's round trip like a
 * large one), bounded by their bytes (each holds its chunk until it is sent to a worker).
 */
const WINDOW = 4096
const WINDOW_BYTES = 8 << 20

/** Where one entry's content goes: push its bytes in order, then end(). */
export interface ContentSink {
  push(piece: Uint8Array): Promise<void>
  end(): Promise<void>
}

export class LayerWriter {
  readonly stats: IngestStats = { entries: 0, contentSize: 0, chunks: 0, newBytes: 0, newStored: 0 }
  /** Bytes of the tar hashed so far. */
  size = 0
  readonly index: IndexWriter
  private readonly bg
  private readonly hasher
  private readonly window = new Window(WINDOW, WINDOW_BYTES)
  /**
   * Segments in flight, apart from chunks: a segment is up to 1 MiB (a chunk 256 KiB) and is
   * held, with the store's copy, until its put settles; a few keep the workers busy.
   */
  private readonly segmentWindow = new Window(4)
  private readonly checks = new EntryChecks()
  private readonly batch: ChunkBatch

  constructor(private readonly deps: IngestDeps) {
    // The diffID: in a worker where the backend offers one (the main thread has the chunks to hash).
    this.bg = deps.hash.background?.(deps.workers)
    this.hasher = this.bg ? undefined : deps.hash.create()
    // New chunks are compressed by the read workers, whose cores are free while this thread cuts
    // and hashes (a folder import's reads are theirs too; a tar's ingest starts them for this).
    this.batch = deps.cas.chunkBatch({ publishEvery: deps.publishEvery, pool: readWorkers(deps.workers).pool })
    // Segments are blobs like chunks: written by the same batch, durable with them.
    this.index = new IndexWriter((seg) => this.batch.put(seg).then((r) => r.digest), this.segmentWindow)
  }

  /** The next bytes of the tar, for the diffID. A promise only when the hasher is behind. */
  hash(buf: Uint8Array): Promise<void> | undefined {
    this.size += buf.length
    if (this.bg) return this.bg.update(buf)
    this.hasher!.update(buf)
    return undefined
  }

  /** The next entry: checked (a refusal names it), its header recorded. */
  header(h: TarHeader, bytes: Uint8Array): Wait {
    this.checks.check(h)
    if (++this.stats.entries === YOUNG_AFTER) keepYoungGenerationSmall()
    return this.index.header(bytes)
  }

  /** A sink for `size` bytes of the current entry's content: inline up to INLINE_MAX, else chunks. */
  content(size: number): ContentSink {
    if (size <= INLINE_MAX) {
      const buf = new Uint8Array(size)
      let at = 0
      return {
        push: async (p) => {
          buf.set(p, at)
          at += p.length
        },
        end: async () => {
          if (at > 0) await this.index.data(buf.subarray(0, at))
        },
      }
    }
    return this.chunked(this.deps.chunker.create(this.deps.chunkOptions))
  }

  /** Content (a file's or the trailer's) cut into chunks. */
  chunked(chunker: Chunker): ContentSink {
    return {
      push: async (p) => {
        for (const c of chunker.push(p)) await this.putChunk(c)
      },
      end: async () => {
        for (const c of chunker.end()) await this.putChunk(c)
      },
    }
  }

  /** A file's whole content, kept inline (at most INLINE_MAX bytes). */
  data(bytes: Uint8Array): Wait {
    return this.index.data(bytes)
  }

  /** Content already in the store (a file unchanged since the last import): its chunks as they were. */
  async reuse(refs: ChunkRef[]): Promise<void> {
    this.stats.chunks += refs.length
    for (const r of refs) await this.index.known(r)
  }

  async putChunk(chunk: Uint8Array): Promise<void> {
    const stats = this.stats
    const ref = this.batch.put(chunk).then((r): ChunkRef => {
      if (!r.existed) {
        stats.newBytes += r.size
        stats.newStored += r.stored
      }
      return [r.digest.slice(7), r.size]
    })
    stats.chunks++
    await this.index.chunk(ref)
    await this.window.add(ref, chunk.length)
  }

  /** Every chunk and segment durable, then the root: the layer. */
  async finish(): Promise<IngestResult> {
    let segments: SegmentRef[]
    try {
      await this.window.drain()
      segments = await this.index.finish()
      await this.segmentWindow.drain()
    } catch (e) {
      await this.abort()
      throw e
    }
    // Every chunk and segment on disk and in blobs/ before the root that refers to them.
    await this.batch.commit()
    const diffId: Digest = this.bg ? await this.bg.digest() : this.hasher!.digest()
    const { size, stats } = this
    const put = await this.deps.cas.put(encodeRoot({ diffId, size, entries: stats.entries, segments }))
    return { ...stats, diffId, size, index: put.digest }
  }

  /** After a failure: let the puts in flight finish, then remove what they wrote. */
  async abort(): Promise<void> {
    await this.window.drain().catch(() => {})
    await this.segmentWindow.drain().catch(() => {})
    await this.batch.abort()
    await this.bg?.digest().catch(() => {}) // ends the worker's state
  }
}
