// The fixed fields of a 512-byte tar header block: offsets, numbers, strings, checksum.
//
// Numbers are octal text in ustar (NUL or space terminated, maybe space padded in front), or
// GNU base-256 when the first byte has its high bit set (0x80 positive, 0xff negative, two's
// complement over the whole field). Strings are NUL-terminated unless they fill their field.

import { concatBytes } from '../_bytes.js'

export const BLOCK = 512

/** [offset, length] of each field of a ustar header. */
export const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>

export type Field = keyof typeof F

export const utf8 = new TextEncoder()
// Non-fatal: a name that is not UTF-8 still parses (its exact bytes survive in headerBytes).
const dec = new TextDecoder('utf-8', { fatal: false })

export function decodeUtf8(b: Uint8Array): string {
  return dec.decode(b)
}

export { isUtf8 } from '../_bytes.js'

/** The bytes of a field up to its first NUL. */
export function fieldBytes(block: Uint8Array, f: Field, maxLen?: number): Uint8Array {
  const [off, len] = F[f]
  const end = off + Math.min(len, maxLen ?? len)
  let i = off
  while (i < end && block[i] !== 0) i++
  return block.subarray(off, i)
}

export function readString(block: Uint8Array, f: Field, maxLen?: number): string {
  return decodeUtf8(fieldBytes(block, f, maxLen))
}

/** Parse a numeric field; NaN when it is neither octal nor base-256. */
export function readNumber(block: Uint8Array, f: Field): number {
  const [off, len] = F[f]
  const b = block.subarray(off, off + len)
  if (b[0]! & 0x80) return readBase256(b)
  let i = 0
  while (i < b.length && (b[i] === 0x20 || b[i] === 0)) i++
  let v = 0
  let digits = 0
  for (; i < b.length; i++) {
    const c = b[i]!
    if (c === 0x20 || c === 0) break
    if (c < 0x30 || c > 0x37) return NaN
    v = v * 8 + (c - 0x30)
    digits++
  }
  // Only spaces and NULs may follow the digits.
  for (; i < b.length; i++) if (b[i] !== 0x20 && b[i] !== 0) return NaN
  return digits === 0 ? 0 : v
}

function readBase256(b: Uint8Array): number {
  const negative = b[0] === 0xff
  let v = BigInt(b[0]! & (negative ? 0xff : 0x7f))
  for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!)
  if (negative) v -= 1n << BigInt(8 * b.length)
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : NaN
}

/** Largest value an octal field of this width holds (width - 1 digits, then a NUL). */
export function octalMax(f: Field): number {
  return OCTAL_MAX[F[f][1]]!
}

const OCTAL_MAX: Record<number, number> = { 8: 8 ** 7 - 1, 12: 8 ** 11 - 1 }

/** Write `v` as zero-padded octal digits plus a NUL, the way GNU tar does. */
export function writeOctal(block: Uint8Array, f: Field, v: number): void {
  const [off, len] = F[f]
  // Digits from the last one back, without a string (a header is encoded per file of a folder);
  // by bit operations once the value fits 32 bits.
  let i = off + len - 2
  for (; i >= off && v > 0xffffffff; i--) {
    block[i] = 0x30 + (v % 8)
    v = Math.floor(v / 8)
  }
  for (; i >= off; i--) {
    block[i] = 0x30 + (v & 7)
    v >>>= 3
  }
  block[off + len - 1] = 0
}

/** Write at most the field's length of bytes; the rest stays zero. */
export function writeBytes(block: Uint8Array, f: Field, b: Uint8Array): void {
  const [off, len] = F[f]
  block.set(b.subarray(0, len), off)
}

/** Unsigned and signed sums with the checksum field counted as 8 spaces. */
export function checksums(block: Uint8Array): [unsigned: number, signed: number] {
  let u = 0
  let s = 0
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!
    u += c
    s += c >= 0x80 ? c - 256 : c
  }
  return [u, s]
}

export function writeChecksum(block: Uint8Array): void {
  let sum = 8 * 0x20 // the checksum field, counted as spaces
  for (let i = 0; i < 148; i++) sum += block[i]!
  for (let i = 156; i < BLOCK; i++) sum += block[i]!
  // Six octal digits, NUL, space: what GNU tar and Go write.
  const s = sum.toString(8).padStart(6, '0')
  for (let i = 0; i < 6; i++) block[148 + i] = s.charCodeAt(i)
  block[154] = 0
  block[155] = 0x20
}

export function checksumOk(block: Uint8Array): boolean {
  const stored = readNumber(block, 'chksum')
  if (Number.isNaN(stored)) return false
  const [u, s] = checksums(block)
  return stored === u || stored === s
}

export function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false
  return true
}

/** Bytes of zero padding after `size` bytes of content. */
export function padLength(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK
}

/** Always a fresh buffer: callers keep it while the input moves on. */
export function concat(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0].slice() : concatBytes(parts)
}
