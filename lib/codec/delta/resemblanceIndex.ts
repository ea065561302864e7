// The resemblance index on disk: a folder of immutable segments (_segment.ts), each written
// whole by one process (temp file, then rename: a reader sees all of it or none), named
// `<ms since epoch, hex>-<pid>-<random>.rix` so names sort by age. Concurrent imports each add
// their own segment at flush(); nobody rewrites one. Compaction merges segments into one and
// unlinks its inputs; two compactions racing leave duplicate rows, which lookups merge and the
// next compaction drops. It is a cache: no fsync, a torn or foreign file is skipped, a missing
// base is the caller's to check (the chunk may have been collected since).
// Small segments are read whole; large ones stay on disk and a lookup reads its fanout bucket
// per feature (pread): memory stays at the fanouts, ≤ 4 MiB per segment.

import { closeSync, fstatSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { Digest } from '../../digest/digest.js'
import { PER_KEY, SEGMENT_ROWS_MAX, encodeSegment, matchRows, readHead, readRow, type SegmentRow, type Segment, type ReadAt } from './_segment.js'

export type { Segment } from './_segment.js'
import { mergeSegments } from './_compact.js'
import { FEATURES, type Candidate, type ResemblanceIndex, type Sketch } from './types.js'

export interface IndexOptions {
  /** Segments up to this size are read into memory at open (default 8 MiB: ~85k chunks). */
  inMemoryUpTo?: number
  /** More segments than this and flush() compacts (default 8): a lookup reads a bucket of each. */
  maxSegments?: number
}

export async function openResemblanceIndex(dir: string, opts: IndexOptions = {}): Promise<ResemblanceIndex> {
  const inMemory = opts.inMemoryUpTo ?? 8 << 20
  const maxSegments = opts.maxSegments ?? 8
  await mkdir(dir, { recursive: true })
  const segments: Segment[] = []
  /** Files that are not usable segments (torn by a crash, foreign): compaction removes them. */
  const unusable: string[] = []
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.rix')).sort()) {
    const s = openSegment(dir, name, inMemory)
    if (s) segments.push(s)
    else unusable.push(name)
  }
  // Rows added since the last flush, column by column (a row object and an array per feature
  // cost ~1 KB a chunk: 50 MB of heap on a 46,000-file tree). Per feature slot, `older` links a
  // row to the previous row that had the same feature: a lookup walks at most PER_KEY of them.
  const pending = new PendingRows()

  const index: ResemblanceIndex = {
    lookup(sketch, limit = 4) {
      // Order = age: segments oldest first, then pending; within a segment, by row.
      const found = new Map<string, Candidate & { order: number }>()
      const note = (digest: Digest, depth: number, shared: number, order: number) => {
        const had = found.get(digest)
        if (!had || shared > had.shared) found.set(digest, { digest, depth, shared, order: Math.max(order, had?.order ?? 0) })
      }
      for (const [r, n] of pending.matches(sketch)) note(pending.digests[r], pending.depth(r), n, segments.length * 2 ** 32 + r)
      segments.forEach((s, i) => {
        const rows = [...matchRows(s.read, s.head, sketch)].sort((a, b) => b[1] - a[1] || b[0] - a[0]).slice(0, limit)
        for (const [r, n] of rows) {
          const row = readRow(s.read, s.head, r)
          note(row.digest, row.depth, n, i * 2 ** 32 + r)
        }
      })
      return [...found.values()]
        .sort((a, b) => b.shared - a.shared || b.order - a.order)
        .slice(0, limit)
        .map(({ digest, depth, shared }) => ({ digest, depth, shared }))
    },
    add(digest, sketch, depth) {
      pending.add(digest, sketch, depth)
    },
    async flush() {
      if (pending.count === 0) return // (and compact() calls flush(): no segment, no recursion)
      const rows = pending.take()
      for (let i = 0; i < rows.length; i += SEGMENT_ROWS_MAX) {
        const bytes = encodeSegment(rows.slice(i, i + SEGMENT_ROWS_MAX))
        const name = segmentName()
        const tmp = `${dir}/.tmp-${name}`
        writeFileSync(tmp, bytes)
        renameSync(tmp, `${dir}/${name}`)
        segments.push({ name, head: readHead(fromBytes(bytes), bytes.length)!, read: fromBytes(bytes) })
      }
      if (segments.length > maxSegments) await index.compact()
    },
    async compact(keep) {
      await index.flush()
      for (const n of unusable.splice(0)) rmSync(`${dir}/${n}`, { force: true })
      removeStaleTemps(dir)
      if (segments.length === 0 || (segments.length === 1 && !keep)) return
      const name = segmentName()
      mergeSegments(dir, segments, name, keep)
      for (const s of segments.splice(0)) if (s.fd !== undefined) closeSync(s.fd)
      const s = openSegment(dir, name, inMemory)
      if (s) segments.push(s)
    },
    async close() {
      await index.flush()
      for (const s of segments.splice(0)) if (s.fd !== undefined) closeSync(s.fd)
    },
  }
  return index
}

/** Rows not yet in a segment, in typed columns; `matches` walks each feature's chain of rows. */
class PendingRows {
  digests: Digest[] = []
  private depths = new Uint8Array(1024)
  private sketches = new Uint32Array(1024 * FEATURES)
  /** Per row and feature slot: the previous row with the same feature, or -1. */
  private older = new Int32Array(1024 * FEATURES)
  /** Feature -> newest row that had it. */
  private newest = new Map<number, number>()

  get count(): number {
    return this.digests.length
  }

  depth(r: number): number {
    return this.depths[r]
  }

  add(digest: Digest, sketch: Sketch, depth: number): void {
    const r = this.digests.length
    if (r === this.depths.length) this.grow()
    this.digests.push(digest)
    this.depths[r] = depth
    for (let f = 0; f < FEATURES; f++) {
      const k = sketch[f] ?? 0
      this.sketches[r * FEATURES + f] = k
      this.older[r * FEATURES + f] = -1
      if (k === 0) continue
      const prev = this.newest.get(k)
      if (prev !== undefined) this.older[r * FEATURES + f] = prev
      this.newest.set(k, r)
    }
  }

  /** Rows sharing features with `sketch` (at most PER_KEY newest per feature) and how many each shares. */
  matches(sketch: Sketch): Map<number, number> {
    const counts = new Map<number, number>()
    for (const k of sketch) {
      if (k === 0) continue
      let r = this.newest.get(k) ?? -1
      for (let n = 0; r >= 0 && n < PER_KEY; n++) {
        counts.set(r, (counts.get(r) ?? 0) + 1)
        r = this.olderFor(r, k)
      }
    }
    return counts
  }

  /** The rows, oldest first, as segments take them; the pending set is empty after. */
  take(): SegmentRow[] {
    const rows = this.digests.map((digest, r) => ({ digest, depth: this.depths[r], sketch: this.sketches.slice(r * FEATURES, r * FEATURES + FEATURES) }))
    this.digests = []
    this.newest = new Map()
    return rows
  }

  /** The row before `r` that had feature `k` (found by `r`'s slot holding k). */
  private olderFor(r: number, k: number): number {
    for (let f = 0; f < FEATURES; f++) if (this.sketches[r * FEATURES + f] === k) return this.older[r * FEATURES + f]
    return -1
  }

  private grow(): void {
    const n = this.depths.length * 2
    const depths = new Uint8Array(n)
    depths.set(this.depths)
    const sketches = new Uint32Array(n * FEATURES)
    sketches.set(this.sketches)
    const older = new Int32Array(n * FEATURES)
    older.set(this.older)
    this.depths = depths
    this.sketches = sketches
    this.older = older
  }
}

const processTag = `${process.pid}-${randomBytes(4).toString('hex')}`
let seq = 0

/** Sorts by age: fixed-width hex milliseconds first. */
function segmentName(): string {
  return `${Date.now().toString(16).padStart(12, '0')}-${processTag}-${++seq}.rix`
}

/** Temp files a killed flush or compaction left: any an hour old (a live one takes milliseconds). */
function removeStaleTemps(dir: string): void {
  for (const n of readdirSync(dir)) {
    if (!n.startsWith('.tmp-')) continue
    try {
      if (Date.now() - statSync(`${dir}/${n}`).mtimeMs > 3600_000) rmSync(`${dir}/${n}`, { force: true })
    } catch {} // gone already
  }
}

function fromBytes(bytes: Uint8Array): ReadAt {
  return (offset, length) => bytes.subarray(offset, offset + length)
}

/** A segment ready for lookups, or undefined if it is gone or unusable (both harmless here). */
export function openSegment(dir: string, name: string, inMemory: number): Segment | undefined {
  let fd: number
  try {
    fd = openSync(`${dir}/${name}`, 'r')
  } catch {
    return undefined // removed by a compaction since the listing
  }
  const size = fstatSync(fd).size
  const read: ReadAt = (offset, length) => {
    const b = new Uint8Array(length)
    const n = readSync(fd, b, 0, length, offset)
    return n === length ? b : b.subarray(0, n)
  }
  const head = readHead(read, size)
  if (!head || size <= inMemory) {
    const bytes = head ? read(0, size) : undefined
    closeSync(fd)
    return head && bytes ? { name, head, read: fromBytes(bytes) } : undefined
  }
  return { name, head, read, fd }
}
