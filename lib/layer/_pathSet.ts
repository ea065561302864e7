// A set of paths kept as 64-bit hashes in typed arrays (open addressing, linear probing): 16
// bytes a path at most, where a Set of strings costs ~100, so import's "earlier entries" of a
// layer of a million entries take 16 MB, not 100. Pure (no node: imports).
//
// Two independent 32-bit hashes make the key: a false "present" (two paths of one layer with
// the same 64 bits) has odds of about n²/2^65, 3e-8 for a million paths; it can only let a
// hardlink to a missing target through import, which apply then refuses by name.

export class PathSet {
  private a = new Uint32Array(1024)
  private b = new Uint32Array(1024)
  /** 0 empty, 1 used, 2 deleted. */
  private state = new Uint8Array(1024)
  private used = 0 // used + deleted slots
  size = 0

  has(path: string): boolean {
    const [x, y] = hash(path)
    return this.find(x, y) >= 0
  }

  add(path: string): void {
    const [x, y] = hash(path)
    if (this.find(x, y) >= 0) return
    if ((this.used + 1) * 4 > this.state.length * 3) this.rehash(this.size * 4 > this.state.length ? this.state.length * 2 : this.state.length)
    const mask = this.state.length - 1
    let i = x & mask
    while (this.state[i] === 1) i = (i + 1) & mask
    if (this.state[i] === 0) this.used++
    this.a[i] = x
    this.b[i] = y
    this.state[i] = 1
    this.size++
  }

  delete(path: string): void {
    const [x, y] = hash(path)
    const i = this.find(x, y)
    if (i < 0) return
    this.state[i] = 2
    this.size--
  }

  private find(x: number, y: number): number {
    const mask = this.state.length - 1
    for (let i = x & mask; this.state[i] !== 0; i = (i + 1) & mask) {
      if (this.state[i] === 1 && this.a[i] === x && this.b[i] === y) return i
    }
    return -1
  }

  private rehash(slots: number): void {
    const { a, b, state } = this
    this.a = new Uint32Array(slots)
    this.b = new Uint32Array(slots)
    this.state = new Uint8Array(slots)
    this.used = 0
    this.size = 0
    const mask = slots - 1
    for (let j = 0; j < state.length; j++) {
      if (state[j] !== 1) continue
      let i = a[j] & mask
      while (this.state[i] !== 0) i = (i + 1) & mask
      this.a[i] = a[j]
      this.b[i] = b[j]
      this.state[i] = 1
      this.used++
      this.size++
    }
  }
}

/** FNV-1a and a murmur3-style mix over the UTF-16 code units, each with its own seed. */
function hash(s: string): [number, number] {
  let x = 0x811c9dc5
  let y = 0x9747b28c
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    x = Math.imul(x ^ c, 0x01000193)
    y = Math.imul(y ^ c, 0x5bd1e995)
    y ^= y >>> 15
  }
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  y = Math.imul(y ^ s.length, 0xc2b2ae35)
  y ^= y >>> 16
  return [x >>> 0, y >>> 0]
}
