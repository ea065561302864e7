// Chunk puts for layer import: one write transaction per layer. The main thread hashes each
// chunk (native SHA-256, ~1.6 GB/s) and answers "already stored" itself (the pack table in
// memory, then one access() for a loose copy), so a re-import never copies or encodes a chunk.
// New chunks are sent to the codec's encodeMany in batches (on the pool given: the layer
// module's read workers) and appended to a pack (_packWriter.ts) in the order they were
// planned; the rare blob stored in more than PACK_ENTRY_MAX bytes goes to a loose temp file.
// commit() seals the pack and publishes everything at once (_publish.ts): one sync, then the
// links. A chunk is visible to has/get only after commit; a crash before leaves temp files in
// ingest/, which gc removes.
// A new chunk that resembles a stored one (or one of the batch's own) is stored as a delta
// against it when that is smaller (_deltas.ts plans it; the workers encode it, in the same
// batches as the whole chunks); its base is always committed before or with it.
// The batch refreshes its view of packs/ when it starts: gc, which removes packs, never runs
// while a writer holds its lease, so "found in a pack" stays true for the batch's lifetime.

import { existsSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import type { Digest } from '../digest/digest.js'
import { ioError, type CasContext } from './_context.js'
import { discard, openTemp, writeAll } from './_ingest.js'
import { PACK_ENTRY_MAX } from './_packFormat.js'
import { PackWriter } from './_packWriter.js'
import { publish, type LooseTemp } from './_publish.js'
import { batchDeltas, type BatchDeltas } from './_deltas.js'
import type { ChunkBatch, PutResult } from './types.js'
import type { WorkerPool } from '../_workerPool.js'
import type { DeltaBase } from '../codec/delta/index.js'

/**
 * New chunks wait for their worker message until this many bytes are queued (or the main
 * thread has nothing else to do): a message per chunk cost more than batching; a few batches
 * in flight keep every worker busy within the layer writer's window of puts.
 */
const ENCODE_BATCH = 512 << 10

/** Digests remembered as put by a batch: past this many, the oldest half is forgotten. */
const SEEN_MAX = 1 << 16

export class PackedBatch implements ChunkBatch {
  private readonly writer: PackWriter
  private readonly ready: Promise<void>
  private readonly deltas: Promise<BatchDeltas | undefined>
  private loose: LooseTemp[] = []
  /**
   * Digests put lately by this batch: a second copy of a chunk nearby in the layer is not
   * written again. Bounded: a copy further away is written twice (two entries, both valid).
   */
  private seen = new Set<string>()
  private older = new Set<string>()
  private closed = false
  /** Publishes of what was stored so far (`publishEvery`), one after another. */
  private published: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  /** Chunks waiting to be sent to the encoder together, with their callers. */
  private queued: { data: Uint8Array; base: DeltaBase | undefined; done: (stored: Uint8Array | Error) => void }[] = []
  private queuedBytes = 0
  private readonly pool: WorkerPool | undefined
  /** Settles once every chunk planned so far is appended; fails if one of them failed. */
  private appended: Promise<void> = Promise.resolve()

  constructor(
    private readonly ctx: CasContext,
    o: { publishEvery?: number; pool?: WorkerPool } = {},
  ) {
    this.pool = o.pool
    if (o.publishEvery) {
      // unref: a batch never keeps a finished command alive.
      this.timer = setInterval(() => void this.publishSoFar().catch(() => {}), o.publishEvery).unref()
    }
    this.writer = new PackWriter(ctx)
    this.ready = ctx.packs.refresh()
    this.ready.catch(() => {}) // reported by the first put
    this.deltas = batchDeltas(ctx).catch(() => undefined) // a cache: without it, chunks are stored whole
  }

  /** Put one chunk; the caller keeps `data` (the codec copies what it sends on). `stored` is 0 when it existed. */
  async put(data: Uint8Array): Promise<PutResult> {
    const digest = this.ctx.hash.sha256(data)
    const hex = digest.slice(7)
    if (this.seen.has(hex) || this.older.has(hex)) return { digest, size: data.length, stored: 0, existed: true }
    this.seen.add(hex)
    if (this.seen.size >= SEEN_MAX) {
      this.older = this.seen
      this.seen = new Set()
    }
    await this.ready
    // Synchronous on purpose: one access(2), cheaper than the promise machinery around it.
    if (this.ctx.packs.find(hex) || existsSync(this.ctx.layout.blob(digest))) return { digest, size: data.length, stored: 0, existed: true }
    const deltas = await this.deltas
    const plan = deltas && (await deltas.plan(data))
    // Appends keep the order chunks are planned in: a chunk is a base for the chunks planned
    // after it as soon as it is sent to be compressed (not once appended: with 8 MiB in the
    // workers, near twins lost their deltas, /usr/lib stored 3 % more), and a delta against it
    // still lands after it, in the same pack or a later one, which publish() links after it.
    // A put that failed fails the ones after it: no delta is appended after its base failed.
    const turn = this.appended
    let settle!: (failure?: unknown) => void
    this.appended = new Promise<void>((resolve, reject) => (settle = (e) => (e === undefined ? resolve() : reject(e))))
    this.appended.catch(() => {}) // seen by the next put, if any
    let size: number
    try {
      // Whole or a delta against the plan's base (whichever is smaller), batched to the workers.
      const base = plan?.base
      const encoded = this.encodeQueued(data, base)
      // Registered now, not once encoded: a chunk is a base for the chunks planned after it as
      // soon as it is sent. The planner keeps its own copy (the caller may reuse `data`). Tried
      // against a base, it is registered at the depth a delta would have: stored whole (the
      // worker's choice), it is shallower than said, which only shortens chains built on it
      // (a reader asks a base to be below its delta, not just one below).
      deltas?.written(digest, plan, base ? base.depth + 1 : 0, data.slice())
      const stored = await encoded
      size = stored.length
      await turn
      if (this.closed) throw new Error('chunk batch used after commit or abort')
      if (stored.length <= PACK_ENTRY_MAX) this.writer.append(Buffer.from(hex, 'hex'), [stored])
      else await this.writeLoose(digest, stored) // never a delta (at most MAX_DELTA_SIZE): gc finds deltas in packs only
    } catch (e) {
      settle(e)
      throw e
    }
    settle()
    return { digest, size: data.length, stored: size, existed: false }
  }

  /** `data` stored (encode()'s form, or a delta against `base`), sent to the encoder with the chunks queued beside it. */
  private encodeQueued(data: Uint8Array, base: DeltaBase | undefined): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.sendQueued())
      this.queued.push({ data, base, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) })
      this.queuedBytes += data.length + (base ? base.content.length : 0)
      if (this.queuedBytes >= ENCODE_BATCH) this.sendQueued()
    })
  }

  private sendQueued(): void {
    const batch = this.queued
    if (batch.length === 0) return
    this.queued = []
    this.queuedBytes = 0
    const bases = batch.some((q) => q.base) ? batch.map((q) => q.base) : undefined
    this.ctx.codec.encodeMany(batch.map((q) => q.data), { pool: this.pool, bases }).then(
      (stored) => batch.forEach((q, i) => q.done(stored[i])),
      (e: unknown) => batch.forEach((q) => q.done(e instanceof Error ? e : new Error(String(e)))),
    )
  }

  /**
   * `publishEvery` (ms): what is stored so far made durable and visible, in order, while the
   * batch goes on (a pull killed mid-layer keeps the chunks that arrived more than that long
   * ago; until the layer lands they are referenced by nothing, gc's to remove). By time, not by
   * bytes: each publish syncs the file system, and one per 8 MiB made a cold pull 25 % slower
   * (measured). Deltas stay safe: a base is in the same pack or an earlier one, published first.
   */
  private publishSoFar(): Promise<void> {
    if (this.closed) return this.published
    this.writer.seal()
    const packs = this.writer.sealed.splice(0)
    const loose = this.loose.splice(0)
    this.published = this.published.then(() => publish(this.ctx, packs, loose))
    return this.published
  }

  /** Every chunk put so far on disk, then visible. Call after all puts have settled. */
  async commit(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    try {
      await this.published
      this.writer.seal()
      await publish(this.ctx, this.writer.sealed, this.loose)
      await (await this.deltas)?.flush() // after the chunks it names are stored
    } catch (e) {
      await this.abort()
      throw ioError(e, this.ctx.layout.ingestDir)
    }
    this.writer.sealed.length = 0
    this.loose = []
  }

  /** Removes the temp files of a batch that will not be committed. */
  async abort(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await this.published.catch(() => {})
    this.writer.abort()
    const loose = this.loose
    this.loose = []
    await Promise.all(loose.map((l) => unlink(l.path).catch(() => {})))
  }

  private async writeLoose(d: Digest, stored: Uint8Array): Promise<void> {
    const t = await openTemp(this.ctx, d.slice(7))
    try {
      await writeAll(t, [stored], 0)
      await t.fh.close()
    } catch (e) {
      await discard(t)
      throw e
    }
    this.loose.push({ path: t.path, hex: d.slice(7) })
  }
}
