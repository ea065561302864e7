// The portable delta format the delta bench weighs against zstd-with-a-prefix: COPY base[o, o+n)
// and INSERT bytes ops, found by a hash of every 8-byte window of the base, then the op stream
// compressed with plain zstd (any zstd decodes and encodes it: the WebAssembly one too).
// Layout before zstd: varint op count, then per op: literal length, copy offset (zigzag, from
// the end of the previous copy: copies tend to follow each other), copy length; then all
// literals. Kept in bench/: measured worse than the prefix format on every pair (bench/delta),
// so lib/codec/delta does not carry it.

const MIN_MATCH = 16
const TABLE_BITS = 16

function hash8(b: Uint8Array, i: number): number {
  const lo = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)
  const hi = b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24)
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> (32 - TABLE_BITS)
}

class Bytes {
  buf = new Uint8Array(1024)
  n = 0
  push(v: number): void {
    if (this.n === this.buf.length) this.grow(1)
    this.buf[this.n++] = v
  }
  varint(v: number): void {
    while (v >= 0x80) {
      this.push((v & 0x7f) | 0x80)
      v = Math.floor(v / 128)
    }
    this.push(v)
  }
  append(b: Uint8Array): void {
    if (this.n + b.length > this.buf.length) this.grow(b.length)
    this.buf.set(b, this.n)
    this.n += b.length
  }
  private grow(need: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + need))
    next.set(this.buf.subarray(0, this.n))
    this.buf = next
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n)
  }
}

/** The op stream (before zstd) of `data` against `base`. */
export function copyInsertOps(data: Uint8Array, base: Uint8Array): Uint8Array {
  const table = new Int32Array(1 << TABLE_BITS).fill(-1)
  for (let i = 0; i + 8 <= base.length; i++) table[hash8(base, i)] = i
  const ops = new Bytes()
  const lits = new Bytes()
  let count = 0
  let lit = 0 // start of pending literals
  let prevEnd = 0
  let i = 0
  while (i + MIN_MATCH <= data.length) {
    const c = table[hash8(data, i)]
    let n = 0
    if (c >= 0) while (c + n < base.length && i + n < data.length && base[c + n] === data[i + n]) n++
    if (n < MIN_MATCH) {
      i++
      continue
    }
    let back = 0 // extend backwards into the pending literals
    while (i - back > lit && c - back > 0 && base[c - back - 1] === data[i - back - 1]) back++
    const start = c - back
    ops.varint(i - back - lit)
    lits.append(data.subarray(lit, i - back))
    const off = start - prevEnd
    ops.varint(off < 0 ? -2 * off - 1 : 2 * off)
    ops.varint(n + back)
    count++
    prevEnd = start + n + back
    i += n
    lit = i
  }
  ops.varint(data.length - lit) // the last op: literals only, copy length 0
  lits.append(data.subarray(lit))
  ops.varint(0)
  ops.varint(0)
  const out = new Bytes()
  out.varint(count + 1)
  out.append(ops.bytes())
  out.append(lits.bytes())
  return out.bytes()
}

/** `data` back from the op stream and its base. */
export function applyCopyInsert(stream: Uint8Array, base: Uint8Array, size: number): Uint8Array {
  let p = 0
  const varint = (): number => {
    let v = 0
    let m = 1
    for (;;) {
      const b = stream[p++]
      v += (b & 0x7f) * m
      if (b < 0x80) return v
      m *= 128
    }
  }
  const count = varint()
  const ops = new Uint32Array(3 * count)
  for (let k = 0; k < 3 * count; k++) ops[k] = varint()
  const out = new Uint8Array(size)
  let o = 0
  let prevEnd = 0
  for (let k = 0; k < count; k++) {
    const litLen = ops[3 * k]
    out.set(stream.subarray(p, p + litLen), o)
    p += litLen
    o += litLen
    const z = ops[3 * k + 1]
    const start = prevEnd + (z & 1 ? -(z + 1) / 2 : z / 2)
    const n = ops[3 * k + 2]
    out.set(base.subarray(start, start + n), o)
    o += n
    if (n > 0) prevEnd = start + n
  }
  if (o !== size) throw new Error(`copy/insert stream decodes to ${o} bytes, expected ${size}`)
  return out
}
