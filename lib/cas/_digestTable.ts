// Which loaded pack holds a digest, in one probe whatever the number of packs: an open-addressing
// hash table over every entry of every pack index. The key is the digest itself (SHA-256 is
// uniform, so its first four bytes are already a good hash); the table stores entry numbers
// only (4 bytes a slot, at most half full: ~8 bytes per blob beside the indexes' 40). Searching
// each pack's index in turn would cost a binary search per pack: with 1,000 packs, ~200 µs a
// lookup. Pure.

/** How the table sees the entries it holds (by number; it keeps no digests of its own). */
export interface Entries {
  /** Entry `id`'s digest: the array holding it and where its 32 bytes start. */
  where(id: number): { bytes: Uint8Array; at: number }
}

export class DigestTable {
  private slots = new Int32Array(16)
  private size = 0

  constructor(private readonly entries: Entries) {}

  /** Adds entry `id` (≥ 0) unless an entry with the same digest is in already (first copy wins). */
  add(id: number): void {
    if ((this.size + 1) * 2 > this.slots.length) this.grow()
    const { bytes, at } = this.entries.where(id)
    const mask = this.slots.length - 1
    for (let s = key(bytes, at) & mask; ; s = (s + 1) & mask) {
      const cur = this.slots[s]
      if (cur === 0) {
        this.slots[s] = id + 1
        this.size++
        return
      }
      if (this.holds(cur - 1, bytes, at)) return
    }
  }

  /** The entry number holding the 32 bytes of `digest` at `at`, or -1. */
  find(digest: Uint8Array, at = 0): number {
    const mask = this.slots.length - 1
    for (let s = key(digest, at) & mask; ; s = (s + 1) & mask) {
      const cur = this.slots[s]
      if (cur === 0) return -1
      if (this.holds(cur - 1, digest, at)) return cur - 1
    }
  }

  private holds(id: number, digest: Uint8Array, at: number): boolean {
    const { bytes, at: bt } = this.entries.where(id)
    for (let k = 0; k < 32; k++) if (bytes[bt + k] !== digest[at + k]) return false
    return true
  }

  private grow(): void {
    const old = this.slots
    this.slots = new Int32Array(old.length * 2)
    this.size = 0
    for (const id of old) if (id !== 0) this.add(id - 1)
  }
}

function key(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0
}
