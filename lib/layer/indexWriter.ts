// Writing a layer index as ingest goes: records in archive order into segments (_segments.ts),
// each segment put as soon as it is cut, the root last (by the caller, once the segments and
// chunks are durable). A chunk's digest arrives later than its place in the archive (its put
// is in flight), so records wait in a queue until everything before them is known; the queue
// is bounded (QUEUE_MAX items: past it, the caller waits for its head), so memory is a segment
// plus the window of puts in flight, whatever the number of entries. Every method returns a
// promise only when the caller has to wait (the queue or the window is full): most records
// are written at once, without a turn of the event loop.

import type { Digest } from '../digest/digest.js'
import type { ChunkRef, IndexRecord, SegmentRef } from './_format.js'
import { SegmentBuilder } from './_segments.js'
import type { Window } from './_window.js'

/** Chunks of one run go in records of at most this many (~170 KiB): a huge file never makes one huge record. */
const CHUNKS_PER_RECORD = 4096
const QUEUE_MAX = 8192

type Item = { rec: IndexRecord } | { chunk?: Promise<ChunkRef>; ref?: ChunkRef }
type Wait = Promise<void> | undefined

export class IndexWriter {
  private readonly queue: Item[] = []
  private head = 0
  private run: ChunkRef[] = []
  private readonly builder = new SegmentBuilder()
  private readonly segments: Promise<SegmentRef>[] = []
  /** A segment store waiting for room in the window: later writes wait for it. */
  private blocked: Wait
  /** Header records written so far. */
  entries = 0

  /** `put` stores a segment (its puts are admitted through `window`, bounding those in flight). */
  constructor(
    private readonly put: (segment: Uint8Array) => Promise<Digest>,
    private readonly window: Window,
  ) {}

  /** `bytes` are copied if they must wait in the queue (the caller may reuse its buffer). */
  header(bytes: Uint8Array): Wait {
    this.entries++
    return this.push({ rec: { type: 'header', bytes } }, true)
  }

  /** A content chunk of the current entry (or of the trailer), known once its put settles. */
  chunk(ref: Promise<ChunkRef>): Wait {
    const item: Item = { chunk: ref }
    ref.then((r) => (item.ref = r), () => {}) // its failure is the caller's (through its window)
    return this.push(item)
  }

  /** A chunk already known (content unchanged since the last import). */
  known(ref: ChunkRef): Wait {
    return this.push({ ref })
  }

  /** The current entry's content, kept in the index (at most INLINE_MAX bytes). */
  data(bytes: Uint8Array): Wait {
    return this.push({ rec: { type: 'data', bytes } })
  }

  padding(bytes: Uint8Array): Wait {
    return this.push({ rec: { type: 'padding', bytes } })
  }

  trailer(): Wait {
    return this.push({ rec: { type: 'trailer' } })
  }

  zeros(n: number): Wait {
    return n > 0 ? this.push({ rec: { type: 'zeros', n } }) : undefined
  }

  /** After every chunk put has settled: the last segment put, and every segment, in order. */
  async finish(): Promise<SegmentRef[]> {
    await this.blocked
    await this.pump(0)
    this.flushRun()
    const last = this.builder.finish()
    if (last) this.store(last)
    await this.blocked
    return Promise.all(this.segments)
  }

  private push(item: Item, borrowed = false): Wait {
    this.queue.push(item)
    if (!this.blocked && this.queue.length - this.head <= QUEUE_MAX) this.write()
    // Still queued behind a chunk in flight: keep its own copy of borrowed bytes.
    if (borrowed && this.head < this.queue.length) {
      const r = (item as { rec: { bytes: Uint8Array } }).rec
      r.bytes = r.bytes.slice()
    }
    if (this.blocked || this.queue.length - this.head > QUEUE_MAX) return this.pump(QUEUE_MAX / 2)
    return undefined
  }

  /** Writes every item whose place is known (synchronously). */
  private write(): void {
    while (this.head < this.queue.length && !this.blocked) {
      const item = this.queue[this.head]
      if (!('rec' in item)) {
        if (!item.ref) break
        this.run.push(item.ref)
        if (this.run.length >= CHUNKS_PER_RECORD) this.flushRun()
      } else {
        this.flushRun()
        this.record(item.rec)
      }
      this.queue[this.head++] = undefined as unknown as Item // let it go
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
  }

  /** Waits for head chunks (and the window) until at most `keep` items are queued. */
  private async pump(keep: number): Promise<void> {
    for (;;) {
      if (this.blocked) await this.blocked
      this.write()
      if (this.head >= this.queue.length || this.queue.length - this.head <= keep) return
      if (this.blocked) continue
      const item = this.queue[this.head] as { chunk: Promise<ChunkRef>; ref?: ChunkRef } // write() stops only at a chunk not yet known
      item.ref = await item.chunk
    }
  }

  private flushRun(): void {
    if (this.run.length === 0) return
    const refs = this.run
    this.run = []
    this.record({ type: 'chunks', refs })
  }

  private record(r: IndexRecord): void {
    const seg = this.builder.add(r)
    if (seg) this.store(seg)
  }

  private store(seg: Uint8Array): void {
    const size = seg.length // not `seg` itself: held until its put settles, it outlived scavenges (100,000 files: 55 MB of old-space garbage)
    const p = this.put(seg).then((d): SegmentRef => [d.slice(7), size])
    this.segments.push(p)
    const wait = this.window.add(p)
    if (!wait) return
    const blocked = wait.finally(() => {
      if (this.blocked === blocked) this.blocked = undefined
    })
    blocked.catch(() => {}) // a failed put is seen by whoever waits, and at finish()
    this.blocked = blocked
  }
}
