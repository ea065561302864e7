// A pull-based byte source over an async iterable of chunks split at any byte boundary.
// Headers are copied out (small, and kept by callers); content is handed out as views of the
// input chunks, so a body streams through without a copy and nothing accumulates.

const EMPTY = new Uint8Array(0)

export class ByteSource {
  private readonly it: AsyncIterator<Uint8Array>
  private cur: Uint8Array = EMPTY
  private pos = 0
  private ended = false
  /** Absolute offset of the next unread byte. */
  offset = 0

  constructor(src: AsyncIterable<Uint8Array>) {
    this.it = src[Symbol.asyncIterator]()
  }

  /** Make at least one byte available; false at the end of the input. */
  private async fill(): Promise<boolean> {
    while (this.pos >= this.cur.length) {
      if (this.ended) return false
      const r = await this.it.next()
      if (r.done) {
        this.ended = true
        this.cur = EMPTY
        this.pos = 0
        return false
      }
      this.cur = r.value
      this.pos = 0
    }
    return true
  }

  /** Up to `max` bytes as a view of the input (no copy); empty only at the end of the input. */
  async chunk(max: number): Promise<Uint8Array> {
    if (max <= 0 || !(await this.fill())) return EMPTY
    const n = Math.min(max, this.cur.length - this.pos)
    const out = this.cur.subarray(this.pos, this.pos + n)
    this.pos += n
    this.offset += n
    return out
  }

  /** Exactly `n` bytes in a new array, or fewer when the input ends first. */
  async read(n: number): Promise<Uint8Array> {
    // Always a copy (never Buffer#slice, which shares memory): callers keep header bytes.
    const out = new Uint8Array(n)
    let got = 0
    while (got < n) {
      const c = await this.chunk(n - got)
      if (c.length === 0) return out.subarray(0, got)
      out.set(c, got)
      got += c.length
    }
    return out
  }

  /** Discard up to `n` bytes; returns how many there were. */
  async skip(n: number): Promise<number> {
    let left = n
    while (left > 0) {
      const c = await this.chunk(left)
      if (c.length === 0) break
      left -= c.length
    }
    return n - left
  }

  /** Let the input release its resources when the reader stops early. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true
      await this.it.return?.()
    }
  }
}
