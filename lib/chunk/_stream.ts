// The streaming Chunker shared by both implementations; only the cut search differs.
//
// A chunk is pending until its cut is known. A cut at chunk length L depends only on the chunk's
// bytes up to L, so a cut found in the bytes seen so far is final; if none is found and fewer than
// `max` bytes are pending, we wait for more. The search resumes where it stopped (rehashing the
// last 64 bytes, see _gear.ts), so each byte is scanned once and the cuts never depend on how the
// input was split into pushes.
//
// Memory: a pending chunk is at most `max` bytes, held as the caller's own buffers (subarrays).
// A chunk inside one push is a subarray of that push; only a chunk spanning pushes is copied.

import type { Chunker } from './types.js'
import type { ResolvedChunkerOptions } from './options.js'

/** Bytes of history a resumed search rehashes: the whole 64-bit gear window. */
export const HASH_WINDOW = 64

/** The cut search of one implementation. */
export interface CutFinder {
  /** A new push starts: anything cached about earlier buffers is void. */
  begin(): void
  /**
   * First cut in chunk indices [max(pending, min), end), or 0 if none.
   * Chunk index `pending` is data[pos]; chunk indices before it are the stream bytes just before
   * data[pos]: data[pos - k] for k <= pos, else tail[HASH_WINDOW + pos - k] (the last bytes of
   * earlier pushes). Returns the chunk length (index of the cutting byte + 1).
   */
  find(data: Uint8Array, pos: number, pending: number, end: number, tail: Uint8Array): number
}

export class StreamChunker implements Chunker {
  /** Parts of the pending chunk from earlier pushes. */
  private pieces: Uint8Array[] = []
  /** Bytes in the pending chunk (all scanned, no cut among them). */
  private pending = 0
  /** The last HASH_WINDOW bytes of the stream before the current push. */
  private readonly tail = new Uint8Array(HASH_WINDOW)

  constructor(
    private readonly opts: ResolvedChunkerOptions,
    private readonly finder: CutFinder,
  ) {}

  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    const n = data.length
    if (n === 0) return out
    const { min, max } = this.opts
    this.finder.begin()
    let start = 0 // where the pending chunk's part in this push begins
    let pos = 0 // first unscanned byte; its chunk index is this.pending
    while (pos < n) {
      const take = Math.min(n - pos, max - this.pending)
      const end = this.pending + take
      let len = end > min ? this.finder.find(data, pos, this.pending, end, this.tail) : 0
      if (len === 0) {
        if (end < max) {
          this.pending = end
          pos = n
          break
        }
        len = max
      }
      pos += len - this.pending
      out.push(this.take(data, start, pos))
      start = pos
    }
    if (start < n) this.pieces.push(data.subarray(start))
    this.keepTail(data)
    return out
  }

  end(): Uint8Array[] {
    const out = this.pending > 0 ? [this.take(new Uint8Array(0), 0, 0)] : []
    this.pieces = []
    this.pending = 0
    this.tail.fill(0)
    return out
  }

  /** Complete the pending chunk with data[start, stop) and reset. */
  private take(data: Uint8Array, start: number, stop: number): Uint8Array {
    const pieces = this.pieces
    let chunk: Uint8Array
    if (pieces.length === 0) chunk = data.subarray(start, stop)
    else if (pieces.length === 1 && stop === start) chunk = pieces[0]
    else {
      let size = stop - start
      for (const p of pieces) size += p.length
      chunk = new Uint8Array(size)
      let o = 0
      for (const p of pieces) {
        chunk.set(p, o)
        o += p.length
      }
      chunk.set(data.subarray(start, stop), o)
    }
    this.pieces = []
    this.pending = 0
    return chunk
  }

  private keepTail(data: Uint8Array): void {
    const t = this.tail
    if (data.length >= HASH_WINDOW) t.set(data.subarray(data.length - HASH_WINDOW))
    else {
      t.copyWithin(0, data.length)
      t.set(data, HASH_WINDOW - data.length)
    }
  }
}

/** Cut lengths of a whole buffer through a fresh chunker. */
export function cutsOf(chunker: Chunker, data: Uint8Array): number[] {
  return [...chunker.push(data), ...chunker.end()].map((c) => c.length)
}
