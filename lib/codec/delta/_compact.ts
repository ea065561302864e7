// Compaction of the resemblance index: segments merged into one, streaming (a k-way merge of
// their sorted entries through small buffers), so merging the index of millions of chunks
// holds a row map (4 bytes a row) and a fanout, never the entries themselves.
//   1. rows: number the kept ones anew, oldest segment first, so age order holds
//   2. entries: merge by (key, newest row first), at most PER_KEY per key, fanout as they pass
//   3. rows, copied in that order; then the head and fanout at the start; then rename
// A row is kept when `keep` accepts its digest (gc passes its live set), else always.

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { bytesHex } from '../../digest/bytes.js'
import type { Digest } from '../../digest/digest.js'
import { ENTRY, HEAD, PER_KEY, ROW, SEGMENT_MAGIC, entriesAt, fanoutBits, rowsAt } from './_segment.js'
import type { Segment } from './_segment.js'

/** Entries or rows read per buffer fill. */
const BLOCK = 4096

interface Cursor {
  s: Segment
  map: Int32Array
  next: number
  buf: DataView
  bufAt: number
  bufLen: number
  key: number
  row: number
}

export function mergeSegments(dir: string, segments: readonly Segment[], name: string, keep?: (d: Digest) => boolean): void {
  // 1. Rows kept, renumbered.
  let rows = 0
  const maps = segments.map((s) => {
    const map = new Int32Array(s.head.rows)
    for (let r0 = 0; r0 < s.head.rows; r0 += BLOCK) {
      const n = Math.min(BLOCK, s.head.rows - r0)
      const b = s.read(rowsAt(s.head) + ROW * r0, ROW * n)
      for (let i = 0; i < n; i++) {
        const ok = !keep || keep(`sha256:${bytesHex(b.subarray(ROW * i, ROW * i + 32))}` as Digest)
        map[r0 + i] = ok ? rows++ : -1
      }
    }
    return map
  })

  const bits = fanoutBits(segments.reduce((n, s) => n + s.head.entries, 0))
  const fanout = new Uint32Array((1 << bits) + 1)
  const tmp = `${dir}/.tmp-${name}`
  const fd = openSync(tmp, 'w')
  try {
    const out = new Writer(fd, HEAD + 4 * fanout.length)
    // 2. Entries.
    const cursors = segments.map((s, i): Cursor => ({ s, map: maps[i], next: 0, buf: new DataView(new ArrayBuffer(0)), bufAt: 0, bufLen: 0, key: 0, row: -1 }))
    const live = cursors.filter(advance)
    let m = 0
    let bucket = 0
    let lastKey = -1
    let perKey = 0
    while (live.length > 0) {
      let best = 0
      for (let i = 1; i < live.length; i++) {
        const c = live[i]
        const b = live[best]
        if (c.key < b.key || (c.key === b.key && c.row > b.row)) best = i
      }
      const c = live[best]
      perKey = c.key === lastKey ? perKey + 1 : 1
      lastKey = c.key
      if (perKey <= PER_KEY) {
        const b = bits === 0 ? 0 : c.key >>> (32 - bits)
        while (bucket <= b) fanout[bucket++] = m
        out.u32(c.key)
        out.u32(c.row)
        m++
      }
      if (!advance(c)) live.splice(best, 1)
    }
    while (bucket < fanout.length) fanout[bucket++] = m
    // 3. Rows.
    segments.forEach((s, i) => {
      for (let r0 = 0; r0 < s.head.rows; r0 += BLOCK) {
        const n = Math.min(BLOCK, s.head.rows - r0)
        const b = s.read(rowsAt(s.head) + ROW * r0, ROW * n)
        for (let r = 0; r < n; r++) if (maps[i][r0 + r] >= 0) out.bytes(b.subarray(ROW * r, ROW * r + ROW))
      }
    })
    out.flush()
    const head = new DataView(new ArrayBuffer(HEAD + 4 * fanout.length))
    head.setUint32(0, SEGMENT_MAGIC, true)
    head.setUint8(4, 1)
    head.setUint8(5, bits)
    head.setUint32(8, rows, true)
    head.setUint32(12, m, true)
    fanout.forEach((f, i) => head.setUint32(HEAD + 4 * i, f, true))
    writeSync(fd, new Uint8Array(head.buffer), 0, head.byteLength, 0)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, `${dir}/${name}`)
  for (const s of segments) {
    try {
      unlinkSync(`${dir}/${s.name}`)
    } catch {} // another compaction took it first
  }
}

/** The cursor's next entry whose row is kept; false at the end. */
function advance(c: Cursor): boolean {
  const { head } = c.s
  for (;;) {
    if (c.next >= head.entries) return false
    if (c.next >= c.bufAt + c.bufLen) {
      c.bufAt = c.next
      c.bufLen = Math.min(BLOCK, head.entries - c.next)
      const b = c.s.read(entriesAt(head) + ENTRY * c.next, ENTRY * c.bufLen)
      c.buf = new DataView(b.buffer, b.byteOffset, b.byteLength)
    }
    const at = ENTRY * (c.next - c.bufAt)
    c.next++
    const row = c.map[c.buf.getUint32(at + 4, true)]
    if (row < 0) continue
    c.key = c.buf.getUint32(at, true)
    c.row = row
    return true
  }
}

/** Sequential writes through a 1 MiB buffer, from a starting offset. */
class Writer {
  private buf = new Uint8Array(1 << 20)
  private view = new DataView(this.buf.buffer)
  private n = 0

  constructor(
    private readonly fd: number,
    private at: number,
  ) {}

  u32(v: number): void {
    if (this.n + 4 > this.buf.length) this.flush()
    this.view.setUint32(this.n, v, true)
    this.n += 4
  }

  bytes(b: Uint8Array): void {
    if (this.n + b.length > this.buf.length) this.flush()
    this.buf.set(b, this.n)
    this.n += b.length
  }

  flush(): void {
    let o = 0
    while (o < this.n) o += writeSync(this.fd, this.buf, o, this.n - o, this.at + o)
    this.at += this.n
    this.n = 0
  }
}
