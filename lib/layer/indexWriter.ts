// Writing a layer index as ingest goes: records in archive order into segments (_segments.ts),
// each segment put as soon as it is cut, the root last (by the caller, once the segments and
// chunks are durable). A chunk's digest arrives later than its place in the archive (its put
// is in flight), so records wait in a queue until everything before them is known; the queue
// is bounded (QUEUE_MAX items: past it, the caller waits for its head), so memory is a segment
// plus the window of puts in flight, whatever the number of entries.

import type { Digest } from '../digest/digest.js'
import type { ChunkRef, IndexRecord, SegmentRef } from './_format.js'
import { SegmentBuilder } from './_segments.js'
import type { Window } from './_window.js'

/** Chunks of one run go in records of at most this many (~170 KiB): a huge file never makes one huge record. */
const CHUNKS_PER_RECORD = 4096
const QUEUE_MAX = 8192

type Item = { rec: IndexRecord } | { chunk: Promise<ChunkRef>; ref?: ChunkRef }

export class IndexWriter {
  private readonly queue: Item[] = []
  private head = 0
  private run: ChunkRef[] = []
  private readonly builder = new SegmentBuilder()
  private readonly segments: Promise<SegmentRef>[] = []
  /** Header records written so far. */
  entries = 0

  /** `put` stores a segment (its puts are admitted through `window`, bounding those in flight). */
  constructor(
    private readonly put: (segment: Uint8Array) => Promise<Digest>,
    private readonly window: Window,
  ) {}

  header(bytes: Uint8Array): Promise<void> {
    this.entries++
    return this.push({ rec: { type: 'header', bytes } })
  }

  /** A content chunk of the current entry (or of the trailer), known once its put settles. */
  chunk(ref: Promise<ChunkRef>): Promise<void> {
    const item: Item = { chunk: ref }
    ref.then((r) => (item.ref = r), () => {}) // its failure is the caller's (through its window)
    return this.push(item)
  }

  /** The current entry's content, kept in the index (at most INLINE_MAX bytes). */
  data(bytes: Uint8Array): Promise<void> {
    return this.push({ rec: { type: 'data', bytes } })
  }

  padding(bytes: Uint8Array): Promise<void> {
    return this.push({ rec: { type: 'padding', bytes } })
  }

  trailer(): Promise<void> {
    return this.push({ rec: { type: 'trailer' } })
  }

  zeros(n: number): Promise<void> {
    return n > 0 ? this.push({ rec: { type: 'zeros', n } }) : Promise.resolve()
  }

  /** After every chunk put has settled: the last segment put, and every segment, in order. */
  async finish(): Promise<SegmentRef[]> {
    await this.pump(0)
    await this.flushRun()
    const last = this.builder.finish()
    if (last) await this.store(last)
    return Promise.all(this.segments)
  }

  private async push(item: Item): Promise<void> {
    this.queue.push(item)
    await this.pump(this.queue.length - this.head > QUEUE_MAX ? QUEUE_MAX / 2 : Infinity)
  }

  /** Writes every item whose place is known, waiting for head chunks while more than `keep` items are queued. */
  private async pump(keep: number): Promise<void> {
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]
      if ('chunk' in item) {
        if (!item.ref) {
          if (this.queue.length - this.head <= keep) break
          item.ref = await item.chunk
        }
        this.run.push(item.ref)
        if (this.run.length >= CHUNKS_PER_RECORD) await this.flushRun()
      } else {
        await this.flushRun()
        await this.write(item.rec)
      }
      this.queue[this.head++] = undefined as unknown as Item // let it go
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
  }

  private async flushRun(): Promise<void> {
    if (this.run.length === 0) return
    const refs = this.run
    this.run = []
    await this.write({ type: 'chunks', refs })
  }

  private async write(r: IndexRecord): Promise<void> {
    const seg = this.builder.add(r)
    if (seg) await this.store(seg)
  }

  private async store(seg: Uint8Array): Promise<void> {
    const p = this.put(seg).then((d): SegmentRef => [d.slice(7), seg.length])
    this.segments.push(p)
    await this.window.add(p)
  }
}
