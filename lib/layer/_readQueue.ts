// File reads for a folder import, asked for in walk order ahead of the writer and done by the
// read workers: small files grouped into one job (a message per file cost ~13 µs of the main
// thread), large ones in ranges of RANGE bytes, and never more than BUDGET bytes read and not
// yet consumed, so memory stays bounded whatever the file sizes. A file read to check it
// against the chunks it had at the last import is cut at those chunks' boundaries, so each
// range is checked by itself.

import { Codes, StoreError } from '../errors.js'
import type { ChunkRef } from './_records.js'
import { readWorkers, type ReadItem, type ReadResult, type ReadWorkers } from './_readWorker.js'
import type { WorkerPools } from '../_workerPool.js'
import type { ScanEntry } from './_scan.js'

const RANGE = 1 << 20
const JOB_FILES = 256
const BUDGET = 16 << 20

/** One file's ranges, in order: next() until it gives undefined. */
export class Reading {
  private i = -1

  constructor(
    private readonly queue: ReadQueue,
    private readonly f: FileRead,
  ) {}

  next(): Promise<Piece> | undefined {
    if (this.i >= 0) this.queue.consumed(this.f, this.i)
    if (++this.i >= this.f.made.length && this.f.cuts.length === 0) return undefined
    return this.queue.take(this.f, this.i)
  }
}

/** One range of a file, once read: its bytes, and whether they hash to the chunks expected. */
export interface Piece {
  bytes: Uint8Array
  /** Expected chunks of this range (when checked), and whether the bytes hold exactly them. */
  expect?: ChunkRef[]
  matches: boolean
}

interface Range {
  item: ReadItem
  entry: ScanEntry
  done?: Promise<Piece>
}

export interface FileRead {
  entry: ScanEntry
  /** Ranges not yet made (made as the budget allows). */
  cuts: { off: number; len: number; expect?: ChunkRef[] }[]
  made: Range[]
}

export class ReadQueue {
  private readonly files: FileRead[] = []
  private inFlight = 0
  private group: Range[] = []
  private groupBytes = 0

  private readonly workers: ReadWorkers

  /** `workers`: the open store's pools, whose read workers read the files. */
  constructor(private readonly root: string, workers: WorkerPools) {
    this.workers = readWorkers(workers)
  }

  /** Reads `e` (a regular file) whole; `expect`: its chunks at the last import, to check. */
  add(e: ScanEntry, expect?: ChunkRef[]): Reading {
    const f: FileRead = { entry: e, cuts: cutsOf(e.size, expect), made: [] }
    // The file's dir stays open until its last range is made (each range holds it while read):
    // the walk lets go of a dir once its entries are listed, maybe long before a large file's
    // later ranges fit the budget, and a closed dir's fd number is soon another file's.
    e.dir.hold()
    this.files.push(f)
    this.pump(false)
    return new Reading(this, f)
  }

  /** Starts a job for what is gathered even if it is small (the writer waits, or the walk paused). */
  flush(): void {
    this.pump(true)
  }

  /** Range `i` of `f`, started now if it was not yet (everything before it is consumed). */
  take(f: FileRead, i: number): Promise<Piece> {
    if (i >= f.made.length || !f.made[i].done) this.pump(true)
    return f.made[i].done!
  }

  /** Range `i` of `f` is consumed: its bytes leave the budget. */
  consumed(f: FileRead, i: number): void {
    this.inFlight -= f.made[i].item.len
    f.made[i] = undefined as unknown as Range // let its bytes go
    this.pump(false)
  }

  /** Makes ranges in file order while the budget allows; starts a job when full (or `force`). */
  private pump(force: boolean): void {
    while (this.files.length > 0) {
      const f = this.files[0]
      const c = f.cuts[0]
      if (!c) {
        this.files.shift()
        f.entry.dir.release()
        continue
      }
      if (this.inFlight > 0 && this.inFlight + c.len > BUDGET) break
      f.cuts.shift()
      const e = f.entry
      e.dir.hold()
      const r: Range = { entry: e, item: { dir: e.dir.fd, name: e.base, size: e.size, off: c.off, len: c.len, expect: c.expect } }
      f.made.push(r)
      this.inFlight += c.len
      this.group.push(r)
      this.groupBytes += c.len
      if (this.group.length >= JOB_FILES || this.groupBytes >= RANGE) this.start()
    }
    if (force && this.group.length > 0) this.start()
  }

  private start(): void {
    const group = this.group
    this.group = []
    this.groupBytes = 0
    const job = this.workers.read(group.map((r) => r.item))
    job.finally(() => group.forEach((r) => r.entry.dir.release())).catch(() => {})
    let at = 0
    group.forEach((r, i) => {
      const from = at
      at += r.item.len
      r.done = job.then((res: ReadResult) => this.piece(r, res, i, from))
      r.done.catch(() => {}) // seen by the writer when its turn comes
    })
  }

  private piece(r: Range, res: ReadResult, i: number, from: number): Piece {
    if (res.status[i] === 1) {
      const path = `${this.root}/${r.entry.name}`
      throw new StoreError(Codes.INVALID_ARGUMENT, `file changed as we read it: ${path}`, { data: { path } })
    }
    return { bytes: new Uint8Array(res.buf, from, r.item.len), expect: r.item.expect, matches: res.status[i] === 0 }
  }
}

/** Ranges of a file: RANGE bytes each, or whole expected chunks up to RANGE bytes. */
function cutsOf(size: number, expect?: ChunkRef[]): { off: number; len: number; expect?: ChunkRef[] }[] {
  const out: { off: number; len: number; expect?: ChunkRef[] }[] = []
  if (!expect) {
    for (let off = 0; off < size || off === 0; off += RANGE) out.push({ off, len: Math.min(RANGE, size - off) })
    return out
  }
  let off = 0
  let cur: ChunkRef[] = []
  let len = 0
  for (const c of expect) {
    if (len > 0 && len + c[1] > RANGE) {
      out.push({ off, len, expect: cur })
      off += len
      cur = []
      len = 0
    }
    cur.push(c)
    len += c[1]
  }
  out.push({ off, len, expect: cur })
  return out
}
