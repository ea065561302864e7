// The 9-byte header in front of every stored payload: [0] encoding, [1..8] uncompressed length
// as u64 little-endian. Pure byte manipulation. Encoding 4 ('delta') is a chunk stored against
// a base chunk; its payload is lib/codec/delta/format.ts's.

import { Codes, StoreError } from '../errors.js'
import { HEADER_SIZE, type Encoding } from './types.js'

export const ENCODING_BYTE: Record<Encoding, number> = { raw: 0, deflate: 1, brotli: 2, zstd: 3, delta: 4 }
const BYTE_ENCODING: readonly Encoding[] = ['raw', 'deflate', 'brotli', 'zstd', 'delta']

export interface Header {
  encoding: Encoding
  /** Uncompressed length. */
  size: number
}

export function encodeHeader(encoding: Encoding, size: number, out = new Uint8Array(HEADER_SIZE)): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`blob size out of range: ${size}`)
  out[0] = ENCODING_BYTE[encoding]
  const v = new DataView(out.buffer, out.byteOffset, HEADER_SIZE)
  v.setUint32(1, size >>> 0, true)
  v.setUint32(5, Math.floor(size / 0x1_0000_0000), true)
  return out
}

/** Reads the header of a stored blob (at least its first 9 bytes); BAD_CODEC if unreadable. */
export function readHeader(bytes: Uint8Array): Header {
  if (bytes.length < HEADER_SIZE) {
    throw new StoreError(Codes.BAD_CODEC, `stored blob is too short for its header (${bytes.length} of ${HEADER_SIZE} bytes)`, {
      data: { length: bytes.length },
    })
  }
  const encoding = BYTE_ENCODING[bytes[0]]
  if (encoding === undefined) {
    throw new StoreError(Codes.BAD_CODEC, `stored blob has unknown encoding ${bytes[0]}`, { data: { encoding: bytes[0] } })
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE)
  const size = v.getUint32(1, true) + v.getUint32(5, true) * 0x1_0000_0000
  if (!Number.isSafeInteger(size)) {
    throw new StoreError(Codes.BAD_CODEC, `stored blob header has an impossible length`, { data: { encoding } })
  }
  return { encoding, size }
}
