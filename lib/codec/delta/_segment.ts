// One segment of the resemblance index: an immutable file mapping features to chunks, laid out
// so that a lookup reads a few dozen bytes, never the whole file (a store of millions of chunks
// has an index of hundreds of MB; an import reads its fanout and a bucket per feature).
//
//   [0, 16)    "RIX1", version 1, fanout bits b, 0, rows n (u32 LE), entries m (u32 LE)
//   fanout     2^b + 1 u32: the first entry whose key's top b bits are each bucket (m last)
//   entries    m x (key u32, row u32), sorted by key, then row descending (newest first)
//   rows       n x (digest 32 bytes, depth u8), oldest first
//
// Each row (a chunk) has one entry per non-zero feature. A row's order is its age: a newer
// chunk wins ties in lookups, so a version series deltas against its latest version. Pure:
// bytes in, bytes out; reads go through a `read(offset, length)` the caller backs.

import { bytesHex, hexInto } from '../../digest/bytes.js'
import type { Digest } from '../../digest/digest.js'
import type { Sketch } from './types.js'

export const SEGMENT_MAGIC = 0x31584952 // "RIX1" little-endian
export const HEAD = 16
export const ENTRY = 8
export const ROW = 33

export interface SegmentHead {
  bits: number
  rows: number
  entries: number
  /** Entry index of each bucket's start; fanout[2^bits] = entries. */
  fanout: Uint32Array
}

export interface SegmentRow {
  digest: Digest
  depth: number
  sketch: Sketch
}

/** Synchronous reads of one segment's bytes. */
export type ReadAt = (offset: number, length: number) => Uint8Array

/** Buckets of about four entries: a lookup reads ~32 bytes per feature. 20 bits at most (4 MiB of fanout). */
export function fanoutBits(entries: number): number {
  return Math.max(0, Math.min(20, Math.ceil(Math.log2(Math.max(1, entries / 4)))))
}

export const entriesAt = (h: SegmentHead): number => HEAD + 4 * h.fanout.length
export const rowsAt = (h: SegmentHead): number => entriesAt(h) + ENTRY * h.entries

/**
 * Rows kept per key, newest first. A feature that thousands of chunks share (a licence
 * header's window) would otherwise make every lookup of it read them all; the newest win
 * lookups anyway.
 */
export const PER_KEY = 16

/** Rows in one segment at most: an entry sorts as one float64, key * 2^21 + (2^21 - 1 - row). */
export const SEGMENT_ROWS_MAX = 1 << 21

/**
 * A whole segment from rows in age order (oldest first). Entries are sorted as packed numbers
 * in a Float64Array (native numeric sort): 100,000 rows took 2.8 s with an index array and a
 * comparator, and take 0.1 s so.
 */
export function encodeSegment(rows: readonly SegmentRow[]): Uint8Array {
  if (rows.length > SEGMENT_ROWS_MAX) throw new RangeError(`a segment holds at most ${SEGMENT_ROWS_MAX} rows`)
  const R = SEGMENT_ROWS_MAX
  let all = 0
  for (const r of rows) for (const k of r.sketch) if (k !== 0) all++
  const packed = new Float64Array(all)
  let j = 0
  for (let r = 0; r < rows.length; r++) for (const k of rows[r].sketch) if (k !== 0) packed[j++] = k * R + (R - 1 - r)
  packed.sort()
  // At most PER_KEY entries per key: the first ones, which are the newest.
  const kept = new Float64Array(all)
  let m = 0
  for (let i = 0; i < all; i++) if (i < PER_KEY || Math.floor(packed[i - PER_KEY] / R) !== Math.floor(packed[i] / R)) kept[m++] = packed[i]
  const bits = fanoutBits(m)
  const fanout = new Uint32Array((1 << bits) + 1)
  const head: SegmentHead = { bits, rows: rows.length, entries: m, fanout }
  const out = new Uint8Array(rowsAt(head) + ROW * rows.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, SEGMENT_MAGIC, true)
  out[4] = 1
  out[5] = bits
  v.setUint32(8, rows.length, true)
  v.setUint32(12, m, true)
  let at = entriesAt(head)
  let bucket = 0
  for (let i = 0; i < m; i++) {
    const key = Math.floor(kept[i] / R)
    const b = bits === 0 ? 0 : key >>> (32 - bits)
    while (bucket <= b) fanout[bucket++] = i
    v.setUint32(at, key, true)
    v.setUint32(at + 4, R - 1 - (kept[i] % R), true)
    at += ENTRY
  }
  while (bucket < fanout.length) fanout[bucket++] = m
  for (let i = 0; i < fanout.length; i++) v.setUint32(HEAD + 4 * i, fanout[i], true)
  for (const r of rows) {
    hexInto(r.digest.slice(7), out, at)
    out[at + 32] = r.depth
    at += ROW
  }
  return out
}

/**
 * The head and fanout, from the first bytes of a segment (`size`: the file's length), or
 * undefined when they do not add up: a cache file torn by a crash is skipped, never an error.
 */
export function readHead(read: ReadAt, size: number): SegmentHead | undefined {
  if (size < HEAD) return undefined
  const h = read(0, HEAD)
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength)
  if (v.getUint32(0, true) !== SEGMENT_MAGIC || h[4] !== 1 || h[5] > 20) return undefined
  const bits = h[5]
  if (HEAD + 4 * ((1 << bits) + 1) > size) return undefined
  const fb = read(HEAD, 4 * ((1 << bits) + 1))
  const fv = new DataView(fb.buffer, fb.byteOffset, fb.byteLength)
  const fanout = Uint32Array.from({ length: (1 << bits) + 1 }, (_, i) => fv.getUint32(4 * i, true))
  const head: SegmentHead = { bits, rows: v.getUint32(8, true), entries: v.getUint32(12, true), fanout }
  if (rowsAt(head) + ROW * head.rows !== size || fanout[fanout.length - 1] !== head.entries) return undefined
  return head
}

/** Rows sharing each of `keys`, as row -> number of keys shared. */
export function matchRows(read: ReadAt, h: SegmentHead, keys: Sketch, into = new Map<number, number>()): Map<number, number> {
  const base = entriesAt(h)
  for (const key of keys) {
    if (key === 0) continue
    const b = h.bits === 0 ? 0 : key >>> (32 - h.bits)
    const from = h.fanout[b]
    const n = h.fanout[b + 1] - from
    if (n === 0) continue
    const e = read(base + ENTRY * from, ENTRY * n)
    const v = new DataView(e.buffer, e.byteOffset, e.byteLength)
    for (let i = 0; i < n; i++) {
      if (v.getUint32(ENTRY * i, true) !== key) continue
      const row = v.getUint32(ENTRY * i + 4, true)
      into.set(row, (into.get(row) ?? 0) + 1)
    }
  }
  return into
}

export function readRow(read: ReadAt, h: SegmentHead, row: number): { digest: Digest; depth: number } {
  const r = read(rowsAt(h) + ROW * row, ROW)
  return { digest: `sha256:${bytesHex(r.subarray(0, 32))}` as Digest, depth: r[32] }
}

/** A segment file of the index, open: its name, head and reader (fd: its file, when open). */
export interface Segment {
  name: string
  head: SegmentHead
  read: ReadAt
  fd?: number
}
