// A layer's entries with their content read ahead ACROSS entries, in archive order, while the
// consumer writes the current file. Reading per file (export.ts chunkContents) leaves the
// decompressing threads idle between small files: a 200 MB Debian root is ~8,000 chunks in
// ~5,000 files, and extracting it waited on one chunk at a time (3.6 s). Here the chunks of
// many entries go to one cas.getMany() (a batch): it reads neighbouring entries of a pack in
// one pread and decodes ahead of the consumer on the codec's threads, so both cores work.
//
// Contract: the consumer takes each entry's content completely, or calls discard(), before it
// asks for the next entry (chunks are handed out in the order they were asked for). An entry
// `wanted` says no to is not read ahead: its content, if asked for after all, is read then.
// (The snapshot builder says no to a one-chunk file the pool already has: its chunk's digest
// is its name there, so a snapshot rebuilt over a pool that has most of its files reads little.)
// A file of at most 128 bytes has its content in the index ('data' record, `inline`): it has
// no chunks, is never asked about, and its content yields those bytes.

import type { ContentStore } from '../cas/types.js'
import { digestFromHex, type Digest } from '../digest/digest.js'
import type { ChunkRef, IndexEntry, LayerIndex } from './_format.js'
import { indexEntries } from './indexReader.js'

export interface FileContent extends AsyncIterable<Uint8Array> {
  /** Chunks of the content, in order (none for an inline or empty file). */
  refs: ChunkRef[]
  /** Content kept in the index itself (a small file), before any chunk's. */
  inline?: Uint8Array
  /** Skip this content (its reads already in flight are dropped). */
  discard(): Promise<void>
}

export interface PrefetchedEntry extends IndexEntry {
  content: FileContent
}

/** A batch is started with at least this many chunks when the index has them... */
const BATCH_CHUNKS = 1024
/** ...reading at most this many index entries ahead of the consumer (headers: a bound on memory). */
const AHEAD_ENTRIES = 4096

/** Entries of `ix` in archive order, the chunks of those `wanted` says yes to read ahead. */
export async function* prefetchedEntries(cas: ContentStore, ix: LayerIndex, wanted: (e: IndexEntry) => boolean = () => true): AsyncGenerator<PrefetchedEntry> {
  const src = indexEntries(cas, ix)[Symbol.asyncIterator]()
  const ahead: IndexEntry[] = [] // entries read from the index, not handed out yet
  let queued: Digest[] = [] // chunks of wanted entries not yet given to a batch
  let batch: AsyncIterator<Uint8Array> | undefined
  let batchDigests: Digest[] = []
  let batchAt = 0 // next chunk of `batch` to take
  /** Entries whose content was not read ahead. */
  const lazy = new Set<IndexEntry>()
  let ended = false

  const readEntry = async (): Promise<boolean> => {
    const r = await src.next()
    if (r.done) ended = true
    else {
      const e = r.value
      ahead.push(e)
      if (e.c && e.c.length > 0) {
        if (wanted(e)) for (const [hex] of e.c) queued.push(digestFromHex(hex))
        else lazy.add(e)
      }
    }
    return !ended
  }
  /** The next chunk of the wanted entries, in order: from this batch, or from a new one. */
  const take = async (): Promise<Uint8Array> => {
    if (batchAt === batchDigests.length) {
      while (!ended && queued.length < BATCH_CHUNKS && ahead.length < AHEAD_ENTRIES && (await readEntry()));
      await batch?.return?.()
      batch = cas.getMany(queued)[Symbol.asyncIterator]()
      batchDigests = queued
      batchAt = 0
      queued = []
    }
    batchAt++
    let r: IteratorResult<Uint8Array>
    try {
      r = await batch!.next()
    } catch (e) {
      // A chunk that fails to read ends its batch: the chunks after it get a batch of their own
      // (the failure is the consumer's to report; a discarded entry's must not spoil the next).
      batch = cas.getMany(batchDigests.slice(batchAt))[Symbol.asyncIterator]()
      batchDigests = batchDigests.slice(batchAt)
      batchAt = 0
      throw e
    }
    if (r.done) throw new Error('prefetch: a batch ended before its chunks') // getMany yields one a digest
    return r.value
  }

  try {
    for (;;) {
      if (ahead.length === 0 && (ended || !(await readEntry()))) return
      const e = ahead.shift()!
      const refs = e.c ?? []
      const inline = e.d
      let left = refs.length
      let inlineLeft = inline !== undefined
      const late = lazy.delete(e)
      let lateChunks: AsyncIterator<Uint8Array> | undefined
      const content: FileContent = {
        refs,
        inline,
        async *[Symbol.asyncIterator]() {
          if (inlineLeft) {
            inlineLeft = false
            yield inline!
          }
          if (late && left > 0) lateChunks = cas.getMany(refs.slice(refs.length - left).map(([hex]) => digestFromHex(hex)))[Symbol.asyncIterator]()
          while (left > 0) {
            left--
            if (!lateChunks) yield await take()
            else {
              const r = await lateChunks.next()
              if (r.done) throw new Error('prefetch: a batch ended before its chunks')
              yield r.value
            }
          }
        },
        async discard() {
          inlineLeft = false
          if (late) {
            left = 0
            await lateChunks?.return?.()
          }
          while (left > 0) {
            left--
            await take().then(() => {}, () => {})
          }
        },
      }
      yield { ...e, content }
      await content.discard() // what the consumer did not read, so the next entry's chunks come next
    }
  } finally {
    await batch?.return?.().catch(() => {})
    await src.return?.(undefined)
  }
}
