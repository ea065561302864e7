// A layer's entries with their content read ahead ACROSS entries: up to `depth` chunk reads in
// flight at once, in archive order, while the consumer writes the current file. Reading one
// chunk ahead per file (export.ts chunkContents) leaves the decompressing threads idle between
// small files: a 200 MB Debian root is ~8,000 chunks in ~5,000 files, and extracting it waited
// on one chunk at a time (3.6 s). The content store decompresses on libuv's threads, so several
// reads in flight use both cores.
//
// Contract: the consumer takes each entry's content completely, or calls discard(), before it
// asks for the next entry (chunks are handed out in the order they were asked for). An entry
// `wanted` says no to is not read ahead: its content, if asked for after all, is read then.
// (The snapshot builder says no to a one-chunk file the pool already has: its chunk's digest
// is its name there, so a snapshot rebuilt over a pool that has most of its files reads little.)

import type { ContentStore } from '../cas/types.js'
import { digestFromHex } from '../digest/digest.js'
import type { ChunkRef, IndexEntry, LayerIndex } from './_format.js'
import { indexEntries } from './indexReader.js'

export interface FileContent extends AsyncIterable<Uint8Array> {
  refs: ChunkRef[]
  /** Skip this content (its reads already in flight are dropped). */
  discard(): Promise<void>
}

export interface PrefetchedEntry extends IndexEntry {
  content: FileContent
}

/** Entries of `ix` in archive order; chunk reads run `depth` ahead (a bound on memory too). */
export async function* prefetchedEntries(cas: ContentStore, ix: LayerIndex, depth = 32, wanted: (e: IndexEntry) => boolean = () => true): AsyncGenerator<PrefetchedEntry> {
  const src = indexEntries(cas, ix)[Symbol.asyncIterator]()
  const ahead: IndexEntry[] = [] // entries read from the index, not handed out yet
  const queued: ChunkRef[] = [] // chunks of those (and of the current entry) not yet asked for
  let q = 0 // next of `queued` to ask for
  const inflight: Promise<Uint8Array>[] = []
  /** Entries whose content was not read ahead. */
  const lazy = new Set<IndexEntry>()
  let ended = false

  const readEntry = async (): Promise<boolean> => {
    const r = await src.next()
    if (r.done) ended = true
    else {
      ahead.push(r.value)
      if (r.value.c && wanted(r.value)) for (const c of r.value.c) queued.push(c)
      else if (r.value.c) lazy.add(r.value)
    }
    return !ended
  }
  const fill = async () => {
    // Keep `depth` reads going; read index entries only as far as that needs (a few, usually).
    while (inflight.length < depth) {
      if (q < queued.length) {
        const p = cas.get(digestFromHex(queued[q++][0]))
        p.catch(() => {}) // its error surfaces when its turn comes
        inflight.push(p)
      } else if (ended || ahead.length >= 4096 || !(await readEntry())) break
    }
    if (q > 65536) {
      queued.splice(0, q)
      q = 0
    }
  }
  const take = async (): Promise<Uint8Array> => {
    await fill()
    return inflight.shift()!
  }

  try {
    for (;;) {
      if (ahead.length === 0 && (ended || !(await readEntry()))) return
      await fill()
      const e = ahead.shift()!
      const refs = e.c ?? []
      let left = refs.length
      const late = lazy.delete(e)
      const content: FileContent = {
        refs,
        async *[Symbol.asyncIterator]() {
          while (left > 0) {
            left--
            yield late ? await cas.get(digestFromHex(refs[refs.length - left - 1][0])) : await take()
          }
        },
        async discard() {
          if (late) left = 0
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
    for (const p of inflight) p.catch(() => {})
    await src.return?.(undefined)
  }
}
