// Cutting a layer's index records into segments. Pure (no node: imports).
//
// A segment ends before a header record whose cut hash hits (1 in DIVISOR) once the segment
// holds MIN bytes, and in any case before a record that would take it past MAX: segments of
// 128 KiB to 1 MiB (a single larger record, a header with a huge PAX extension, is a segment
// of its own), ~400 KiB on average for small files, so an index is read, written and checked one bounded segment at
// a time. The cut depends only on the entry there (its name and checksum fields), not on its
// offset, so a layer that differs from another by a few entries shares every segment away
// from them (a new version of a tree stores only the segments its changes touch; issue 12's
// "index shared across versions" builds on this).

import { SEGMENT_MAGIC, recordSize, writeRecord, type IndexRecord } from './_records.js'

export const SEGMENT_MIN = 128 << 10
export const SEGMENT_MAX = 1 << 20
const DIVISOR = 512

export class SegmentBuilder {
  private buf: Uint8Array = new Uint8Array(SEGMENT_MAX + (64 << 10))
  private len = SEGMENT_MAGIC.length
  private empty = true

  constructor(
    private readonly min = SEGMENT_MIN,
    private readonly max = SEGMENT_MAX,
  ) {
    this.buf.set(SEGMENT_MAGIC)
  }

  /** Appends `r`; returns the segment it completed, if any (the one before it). */
  add(r: IndexRecord): Uint8Array | undefined {
    const size = recordSize(r)
    let done: Uint8Array | undefined
    if (!this.empty && (this.len + size > this.max || (r.type === 'header' && this.len >= this.min && cutHash(r.bytes) % DIVISOR === 0))) done = this.take()
    if (this.len + size > this.buf.length) this.grow(this.len + size)
    this.len = writeRecord(this.buf, this.len, r)
    this.empty = false
    return done
  }

  /** The last segment, if it holds any record. */
  finish(): Uint8Array | undefined {
    return this.empty ? undefined : this.take()
  }

  private take(): Uint8Array {
    const seg = this.buf.slice(0, this.len)
    this.len = SEGMENT_MAGIC.length
    this.empty = true
    return seg
  }

  private grow(need: number): void {
    // A single record past MAX (a header with a large PAX extension): the segment holds it whole.
    const next = new Uint8Array(need + (64 << 10))
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }
}

/** FNV-1a over the entry's ustar name and checksum fields (its last header block). */
export function cutHash(header: Uint8Array): number {
  const block = header.length >= 512 ? header.length - 512 : 0
  let h = 0x811c9dc5
  const mix = (from: number, to: number) => {
    for (let i = block + from; i < block + to && i < header.length; i++) h = Math.imul(h ^ header[i], 0x01000193)
  }
  mix(0, 100) // name
  mix(148, 156) // checksum: every byte of the header block counts in it
  return h >>> 0
}
