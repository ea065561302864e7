// A list of SHA-256 digests packed 32 bytes each (a hex string and its array slot cost ~150):
// what a chunk batch remembers of every new chunk until its commit, 8 MB for 250,000 chunks
// (16 GB of new content at 64 KiB a chunk), not 60 MB.

export class DigestList {
  private buf = new Uint8Array(32 * 1024)
  length = 0

  push(hex: string): void {
    if ((this.length + 1) * 32 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2)
      next.set(this.buf)
      this.buf = next
    }
    Buffer.from(hex, 'hex').copy(this.buf, this.length * 32)
    this.length++
  }

  /** Hex digests from `start` to `end` (exclusive). */
  slice(start: number, end: number): string[] {
    const out: string[] = []
    for (let i = start; i < Math.min(end, this.length); i++) out.push(Buffer.from(this.buf.buffer, i * 32, 32).toString('hex'))
    return out
  }
}
