// A pack's index, parsed and searched in place: the file's bytes are the only copy in memory
// (40 bytes per blob). Pure, like _packFormat.ts.

import { Codes, StoreError } from '../errors.js'
import {
  CHECKSUM_SIZE, DELTA_FLAG, FANOUT_SIZE, INDEX_ENTRY_SIZE, INDEX_HEADER_SIZE, INDEX_MAGIC, PACK_VERSION, compareDigests, type Sha256,
} from './_packFormat.js'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
// Node's Buffer where there is one: one native call, where a loop builds 32 strings per digest.
const NodeBuffer = (globalThis as { Buffer?: { from(a: ArrayBufferLike, at: number, n: number): { toString(enc: string): string } } }).Buffer

export function toHex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]]
  return s
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16)
  return out
}

export class PackIndex {
  readonly count: number
  private readonly v: DataView
  private readonly digestsAt: number
  private readonly offsetsAt: number
  private readonly lengthsAt: number

  /** `bytes` must have passed parseIndex(). */
  constructor(
    readonly name: string,
    readonly bytes: Uint8Array,
  ) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.count = this.v.getUint32(8, true)
    this.digestsAt = INDEX_HEADER_SIZE + FANOUT_SIZE
    this.offsetsAt = this.digestsAt + this.count * 32
    this.lengthsAt = this.offsetsAt + this.count * 4
  }

  digest(i: number): Uint8Array {
    return this.bytes.subarray(this.digestsAt + i * 32, this.digestsAt + i * 32 + 32)
  }

  /** Where entry `i`'s digest starts in `bytes`. */
  digestAt(i: number): number {
    return this.digestsAt + i * 32
  }

  hex(i: number): string {
    return toHex(this.digest(i))
  }

  offset(i: number): number {
    return this.v.getUint32(this.offsetsAt + i * 4, true)
  }

  length(i: number): number {
    return (this.v.getUint32(this.lengthsAt + i * 4, true) & ~DELTA_FLAG) >>> 0
  }

  /** Whether entry `i` is stored as a delta (its length's flag). */
  isDelta(i: number): boolean {
    return (this.v.getUint32(this.lengthsAt + i * 4, true) & DELTA_FLAG) !== 0
  }

  /** Entries whose digest starts with byte `b` are [fanout(b-1), fanout(b)). */
  fanout(b: number): number {
    return b < 0 ? 0 : this.v.getUint32(INDEX_HEADER_SIZE + b * 4, true)
  }

  /** The entry holding `digest` (32 bytes), or -1: the fanout bucket, then a binary search. */
  find(digest: Uint8Array): number {
    let lo = this.fanout(digest[0] - 1)
    let hi = this.fanout(digest[0])
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = compareDigests(this.bytes, this.digestsAt + mid * 32, digest, 0)
      if (c === 0) return mid
      if (c < 0) lo = mid + 1
      else hi = mid
    }
    return -1
  }

  /** Sum of the entries' stored lengths. */
  storedBytes(): number {
    let sum = 0
    for (let i = 0; i < this.count; i++) sum += this.length(i)
    return sum
  }
}

/**
 * Checks an index's shape (magic, version, size for its count, a fanout that only grows and
 * ends at the count) and, given `sha256`, its checksum against `name`; PACK_CORRUPT naming the
 * pack otherwise. Order within a bucket is checked by fsck (lookups in a misordered index
 * miss; they never return a wrong entry, as every read checks the entry's own digest).
 */
export function parseIndex(bytes: Uint8Array, name: string, sha256?: Sha256): PackIndex {
  const bad = (why: string) => new StoreError(Codes.PACK_CORRUPT, `index of pack ${name} ${why}`, { data: { pack: name } })
  const index = indexShape(bytes, name)
  const body = bytes.subarray(0, bytes.length - CHECKSUM_SIZE)
  if (sha256 && toHex(sha256(body)) !== name) throw bad('does not match its checksum')
  if (toHex(bytes.subarray(body.length)) !== name) throw bad('is named for another checksum')
  return index
}

/** The index if its shape holds (magic, version, size, fanout), whatever its checksum: fsck names blobs with it. */
export function indexShape(bytes: Uint8Array, name: string): PackIndex {
  const bad = (why: string) => new StoreError(Codes.PACK_CORRUPT, `index of pack ${name} ${why}`, { data: { pack: name } })
  if (bytes.length < INDEX_HEADER_SIZE + FANOUT_SIZE + CHECKSUM_SIZE || INDEX_MAGIC.some((b, i) => bytes[i] !== b)) throw bad('is not a pack index')
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (v.getUint32(4, true) !== PACK_VERSION) throw bad(`has version ${v.getUint32(4, true)}, not ${PACK_VERSION}`)
  const n = v.getUint32(8, true)
  const want = INDEX_HEADER_SIZE + FANOUT_SIZE + n * INDEX_ENTRY_SIZE + CHECKSUM_SIZE
  if (bytes.length !== want) throw bad(`has ${bytes.length} bytes, ${want} for its ${n} entries`)
  let prev = 0
  for (let b = 0; b < 256; b++) {
    const f = v.getUint32(INDEX_HEADER_SIZE + b * 4, true)
    if (f < prev || f > n) throw bad('has a broken fanout table')
    prev = f
  }
  if (prev !== n) throw bad('has a broken fanout table')
  return new PackIndex(name, bytes)
}
