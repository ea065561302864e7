// What a folder looked like when it was imported: one record per entry of the layer, in the
// layer's order: its path and a 16-byte fingerprint of its lstat (type, mode, owner, size,
// mtime and ctime in ns, dev, inode, links, rdev, link target). As git's index does for a
// work tree, it lets the next import of that folder take an unchanged file's content from the
// layer instead of reading and chunking it again. A cache (store/cache/…), not content: losing
// it costs one full read.
//
// Form: "LXT1", then per entry a varint length, the path (UTF-8), the fingerprint. Written and
// read in 64 KiB blocks: memory is a block, whatever the number of entries (300,000 entries
// of 20-byte names: 11 MB on disk).

import { closeSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { createHash } from 'node:crypto'

const MAGIC = Buffer.from('LXT1')
const BLOCK = 64 << 10
const FP = 16

export class TreeStatsWriter {
  private readonly fd: number
  private readonly buf = Buffer.allocUnsafe(BLOCK)
  private len = 0
  private readonly hash = createHash('sha256')
  entries = 0

  /** Writes to `temp`; finish() moves it to its final name. */
  constructor(private readonly temp: string) {
    this.fd = openSync(temp, 'wx', 0o644)
    this.put(MAGIC)
  }

  /** The next entry: its path and its fingerprint, fps[at…at+16]. */
  add(name: string, fps: Uint8Array, at: number): void {
    const fp = fps.subarray(at, at + FP)
    const n = Buffer.byteLength(name)
    this.entries++
    if (this.len + 5 + n + FP > BLOCK) this.flush()
    if (5 + n + FP > BLOCK) return this.put(Buffer.concat([varint(n), Buffer.from(name), fp]))
    let v = n
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    this.buf[this.len++] = v
    this.len += this.buf.write(name, this.len)
    for (let i = 0; i < FP; i++) this.buf[this.len + i] = fps[at + i]
    this.len += FP
  }

  /** Complete: moved to `dir/<sha256 of its bytes>`; returns that hex. */
  finish(dir: string): string {
    this.flush()
    closeSync(this.fd)
    const hex = this.hash.digest('hex')
    renameSync(this.temp, `${dir}/${hex}`)
    return hex
  }

  abort(): void {
    try {
      closeSync(this.fd)
    } catch {}
    try {
      unlinkSync(this.temp)
    } catch {}
  }

  private put(b: Uint8Array): void {
    this.flush()
    this.write(b)
  }

  private flush(): void {
    if (this.len === 0) return
    this.write(this.buf.subarray(0, this.len))
    this.len = 0
  }

  private write(b: Uint8Array): void {
    this.hash.update(b)
    for (let at = 0; at < b.length; ) at += writeSync(this.fd, b, at)
  }
}

function varint(n: number): Buffer {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return Buffer.from(out)
}

export interface StatsRecord {
  name: string
  fp: Uint8Array
}

/** The records of a stats file in order; undefined past the last. Throws if it is not one. */
export class TreeStatsReader {
  private readonly fd: number
  private buf = Buffer.alloc(0)
  private at = 0
  private eof = false

  constructor(path: string) {
    this.fd = openSync(path, 'r')
    if (this.fill(MAGIC.length) < MAGIC.length || !this.buf.subarray(0, 4).equals(MAGIC)) throw new Error(`${path} is not a tree stats file`)
    this.at = MAGIC.length
  }

  next(): StatsRecord | undefined {
    if (this.fill(5 + FP) === 0) return undefined
    let n = 0
    for (let shift = 0; ; shift += 7) {
      const b = this.buf[this.at++]
      n += (b & 0x7f) * 2 ** shift
      if (b < 0x80) break
    }
    if (this.fill(n + FP) < n + FP) throw new Error('tree stats file cut short')
    const name = this.buf.toString('utf8', this.at, this.at + n)
    const fp = this.buf.subarray(this.at + n, this.at + n + FP)
    this.at += n + FP
    return { name, fp }
  }

  close(): void {
    closeSync(this.fd)
  }

  /** Buffers at least `want` bytes from `at` unless the file ends first; returns the bytes buffered. */
  private fill(want: number): number {
    while (this.buf.length - this.at < want && !this.eof) {
      const rest = this.buf.subarray(this.at)
      const next = Buffer.allocUnsafe(Math.max(BLOCK, want) + rest.length)
      rest.copy(next)
      const got = readSync(this.fd, next, rest.length, next.length - rest.length, null)
      if (got === 0) this.eof = true
      this.buf = next.subarray(0, rest.length + got)
      this.at = 0
    }
    return this.buf.length - this.at
  }
}
