// A folder into a layer, without making its tar first: the same bytes as ingestTar(dirTar(dir))
// (same diffID, same index), written straight from the walk. Three parts overlap:
//   - the read workers list, lstat and read ahead (_scan.ts, _readQueue.ts);
//   - a planner, a window ahead of the writer, turns entries into headers and decides where
//     each file's content comes from: the last import of this folder (_previous.ts) when the
//     file's lstat fingerprint is unchanged, else a read;
//   - the writer hashes the tar's bytes for the diffID and writes the index (_layerWriter.ts).
// An unchanged file's content is taken as the last import left it: inline bytes as they are;
// chunks by reference, once the file's bytes (which the diffID needs: it hashes every byte of
// the tar) are read and hash to those chunks, so the index never names other bytes than the
// tar's, whatever a fingerprint claims.

import { lstatSync } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import { encodeHeader, type TarHeader } from '../tar/index.js'
import type { IngestDeps, IngestResult } from './ingest.js'
import { LayerWriter, type ContentSink } from './_layerWriter.js'
import { PreviousTree, type PreviousEntry, type PreviousImport } from './_previous.js'
import { ReadQueue, type Reading } from './_readQueue.js'
import { readWorkers } from './_readWorker.js'
import type { WorkerPools } from '../_workerPool.js'
import { INLINE_MAX } from './_records.js'
import { TreeScan, type ScanEntry } from './_scan.js'
import { headerOf } from './_treeHeader.js'
import { TreeStatsWriter } from './_treeStats.js'

export type { PreviousImport } from './_previous.js'

export interface TreeIngestOptions {
  /** The last import of this folder: unchanged files are taken from it, changed ones checked against it. */
  previous?: PreviousImport
  /** false: no file is taken as unchanged by its fingerprint (each is read, and checked against `previous`). */
  trustFingerprints?: boolean
  /** Write this import's stats file: to `temp`, then `dir/<sha256>`. */
  stats?: { temp: string; dir: string }
}

export interface TreeIngestResult extends IngestResult {
  /** Files whose content was taken from the previous import (not chunked again). */
  reused: number
  /** Files opened and read. */
  read: number
  /** Hex name of the stats file written. */
  treeStats?: string
  /** Most listing jobs ahead of the writer at once: the walk's window. */
  peakAhead: number
  /** Most entries walked and not yet written at once: what the planner holds, whatever the tree's size. */
  heldPeak: number
}

type Content = { kind: 'data'; bytes: Uint8Array; header: Uint8Array } | { kind: 'read' | 'check'; read: Reading }

interface Plan {
  e: ScanEntry
  h: TarHeader
  content?: Content
}

/**
 * How far the planner may be ahead of the writer: runs (a run ends at each subdir, so a tree of
 * small dirs needs many ahead to keep the reads of its files going) and entries: it holds at
 * most HELD_MAX entries and AHEAD runs more (each at most a dir's slice), whatever the tree's
 * size. With 16 runs (and 16 listing jobs, _scan.ts) rather than 2 (and 4): /usr/share
 * (46,893 files) re-read in 2.6 s against 3.2, 300,000 small files imported in 5.6 s against
 * 7.2–8.0, for a higher peak (338 against 250 MB: more buffers in flight between collections).
 */
export const AHEAD = 16
export const HELD_MAX = 16384
const ZEROS = new Uint8Array(1024)

/**
 * Starts a read worker now, for a folder import about to begin: its start (~35 ms of CPU, most
 * of a small import's waiting) then overlaps the store's own work before the walk.
 */
export function warmTreeIngest(workers: WorkerPools): void {
  readWorkers(workers).pool.warm()
}

export async function ingestTree(deps: IngestDeps, root: string, opts: TreeIngestOptions = {}): Promise<TreeIngestResult> {
  const st = lstatSync(root, { throwIfNoEntry: false })
  if (!st?.isDirectory()) throw new StoreError(Codes.INVALID_ARGUMENT, `not a directory: ${root}`)
  const w = new LayerWriter(deps)
  const scan = new TreeScan(root, deps.workers)
  const queue = new ReadQueue(root, deps.workers)
  const previous = opts.previous ? new PreviousTree(deps.cas, opts.previous, opts.trustFingerprints ?? true) : undefined
  const stats = opts.stats ? new TreeStatsWriter(opts.stats.temp) : undefined
  const links = new Map<string, string>()
  let reused = 0
  let read = 0
  let planned = 0
  let written = 0
  let heldPeak = 0

  async function* plans(): AsyncGenerator<Plan[]> {
    for await (const run of scan) {
      const out: Plan[] = []
      for (const e of run) {
        const h = headerOf(e.name, e, e.linkname, links)
        if (!h) continue // a socket
        let prev = previous?.match(e.name, e.fps, e.fpAt)
        if (prev instanceof Promise) prev = await prev
        out.push({ e, h, content: h.type === 'file' && h.size > 0 ? contentOf(e, prev) : undefined })
      }
      queue.flush()
      planned += out.length
      heldPeak = Math.max(heldPeak, planned - written)
      yield out
    }
  }

  /**
   * Where a file's content comes from: an unchanged file's inline bytes as they were; its
   * chunks (changed or not, when the size is theirs) as a guess its bytes are checked against
   * while read (in the read workers: no cutting or hashing here); else a plain read.
   */
  function contentOf(e: ScanEntry, p: PreviousEntry | undefined): Content {
    const prev = p?.entry
    if (p?.unchanged && prev?.d && e.size <= INLINE_MAX && prev.d.length === e.size && !prev.c) return { kind: 'data', bytes: prev.d, header: prev.h }
    if (prev?.c && e.size > INLINE_MAX && !prev.d && prev.c.reduce((n, c) => n + c[1], 0) === e.size) return { kind: 'check', read: queue.add(e, prev.c) }
    return { kind: 'read', read: queue.add(e) }
  }

  // Headers are encoded into one block: the index and the hasher copy what they keep (a
  // buffer per header was 51 MB of old-space garbage at 100,000 files).
  const block = new Uint8Array(512)

  /** One entry into the layer: awaits only where a read, the hasher or the index must be waited for. */
  async function write(p: Plan): Promise<void> {
    const bytes = encodeHeader(p.h, { into: block })
    let c = p.content
    if (c?.kind === 'data' && !sameBytes(c.header, bytes)) {
      // Not the header the last import wrote here: the stats record and the index entry it
      // was paired with are not one entry (a damaged stats file). Read the file instead.
      c = { kind: 'read', read: queue.add(p.e) }
      queue.flush()
    }
    let wait = w.header(p.h, bytes)
    if (wait) await wait
    if ((wait = w.hash(bytes))) await wait
    stats?.add(p.e.name, p.e.fps, p.e.fpAt)
    if (!c) return
    const size = p.h.size
    w.stats.contentSize += size
    deps.onContent?.(w.stats.contentSize)
    if (c.kind === 'data') {
      if ((wait = w.hash(c.bytes))) await wait
      if ((wait = w.data(c.bytes))) await wait
      reused++
    } else {
      read++
      // Checked ranges keep their chunks until one differs; from there on (a chunk boundary,
      // where a fresh chunking of the whole file cuts too) the rest is chunked anew.
      let sink: ContentSink | undefined
      for (let next = c.read.next(); next; next = c.read.next()) {
        const piece = await next
        if ((wait = w.hash(piece.bytes))) await wait
        if (c.kind === 'read' && size <= INLINE_MAX) {
          if ((wait = w.data(piece.bytes))) await wait // one range: the whole file
        } else if (!sink && piece.matches && piece.expect) await w.reuse(piece.expect)
        else await (sink ??= c.kind === 'read' ? w.content(size) : w.chunked(deps.chunker.create(deps.chunkOptions))).push(piece.bytes)
      }
      if (sink) await sink.end()
      else if (c.kind === 'check') reused++
    }
    if (size % 512 && (wait = w.hash(ZEROS.subarray(0, 512 - (size % 512))))) await wait
  }

  const source = plans()
  try {
    for await (const run of lookahead(source, AHEAD, () => planned - written < HELD_MAX)) {
      for (const p of run) await write(p)
      written += run.length
    }
    await hash(ZEROS)
    await w.index.trailer()
    await w.index.zeros(ZEROS.length)
  } catch (e) {
    await source.return(undefined).catch(() => {})
    stats?.abort()
    await w.abort()
    throw e
  } finally {
    previous?.close()
  }
  let result: IngestResult
  try {
    result = await w.finish()
  } catch (e) {
    stats?.abort()
    throw e
  }
  const treeStats = stats && opts.stats ? stats.finish(opts.stats.dir) : undefined
  return { ...result, reused, read, treeStats, peakAhead: scan.peakAhead, heldPeak }

  async function hash(b: Uint8Array): Promise<void> {
    const wait = w.hash(b)
    if (wait) await wait
  }
}

/**
 * An unchanged file's header is byte for byte the one the last import wrote for it: a check
 * that the stats record and the index entry it was paired with are one entry (a damaged stats
 * file can cost reads, never take another entry's content; checked chunks need no such check:
 * they are taken only for bytes that hash to them).
 */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}

/**
 * The items of `src`, with up to `n` more asked for ahead while `more()` says so (an async
 * generator runs them in turn).
 */
async function* lookahead<T>(src: AsyncIterator<T>, n: number, more: () => boolean): AsyncGenerator<T> {
  const pending: Promise<IteratorResult<T>>[] = []
  for (;;) {
    while (pending.length < n && (pending.length === 0 || more())) {
      const p = src.next()
      p.catch(() => {}) // the one awaited throws; the others only end the source
      pending.push(p)
    }
    const r = await pending.shift()!
    if (r.done) return
    yield r.value
  }
}
