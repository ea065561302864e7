// Which loaded pack holds a digest, in one probe whatever the number of packs: an open-addressing
// hash table over every entry of every pack index. SHA-256 is uniform, so a digest's first four
// bytes are already a good hash; each slot keeps them beside the entry number (8 bytes a slot,
// at most half full: ~16 bytes per blob beside the indexes' 40), so a probe compares whole
// digests only on a likely hit and growing never reads an index. Searching each pack's index in
// turn would cost a binary search per pack (with 1,000 packs, ~200 µs a lookup). Pure.

/** Where an entry's digest is: the array holding it and where its 32 bytes start. */
export type DigestAt = (id: number) => { bytes: Uint8Array; at: number }

export class DigestTable {
  private ids = new Int32Array(16) // entry number + 1; 0: empty
  private keys = new Uint32Array(16)
  private size = 0

  constructor(private readonly digestAt: DigestAt) {}

  /** Makes room for `n` more entries at once (one rehash, not one per doubling). */
  reserve(n: number): void {
    let cap = this.ids.length
    while ((this.size + n) * 2 > cap) cap *= 2
    if (cap !== this.ids.length) this.rehash(cap)
  }

  /** Adds entry `id` (≥ 0), whose digest is the 32 bytes of `bytes` at `at`, unless that digest is in already (first copy wins). */
  add(id: number, bytes: Uint8Array, at: number): void {
    if ((this.size + 1) * 2 > this.ids.length) this.rehash(this.ids.length * 2)
    const k = key(bytes, at)
    const mask = this.ids.length - 1
    for (let s = k & mask; ; s = (s + 1) & mask) {
      const cur = this.ids[s]
      if (cur === 0) {
        this.ids[s] = id + 1
        this.keys[s] = k
        this.size++
        return
      }
      if (this.keys[s] === k && this.holds(cur - 1, bytes, at)) return
    }
  }

  /** The entry number holding the 32 bytes of `digest` at `at`, or -1. */
  find(digest: Uint8Array, at = 0): number {
    const k = key(digest, at)
    const mask = this.ids.length - 1
    for (let s = k & mask; ; s = (s + 1) & mask) {
      const cur = this.ids[s]
      if (cur === 0) return -1
      if (this.keys[s] === k && this.holds(cur - 1, digest, at)) return cur - 1
    }
  }

  private holds(id: number, digest: Uint8Array, at: number): boolean {
    const { bytes, at: bt } = this.digestAt(id)
    for (let i = 0; i < 32; i++) if (bytes[bt + i] !== digest[at + i]) return false
    return true
  }

  private rehash(cap: number): void {
    const [ids, keys] = [this.ids, this.keys]
    this.ids = new Int32Array(cap)
    this.keys = new Uint32Array(cap)
    const mask = cap - 1
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === 0) continue
      let s = keys[i] & mask
      while (this.ids[s] !== 0) s = (s + 1) & mask
      this.ids[s] = ids[i]
      this.keys[s] = keys[i]
    }
  }
}

function key(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0
}
