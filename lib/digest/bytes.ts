// SHA-256 digests as 32 raw bytes, the form binary records store them in (layer index
// segments, delta blobs, the resemblance index). Pure: Node's Buffer where there is one
// (native hex), a table elsewhere.

import { Codes, StoreError } from '../errors.js'

const NodeBuffer = (globalThis as { Buffer?: { from(a: ArrayBufferLike | string, o?: number | string, l?: number): Uint8Array & { toString(enc: string): string; copy(t: Uint8Array, at: number): number } } }).Buffer
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex of bytes (64 characters for a digest's 32). */
export function bytesHex(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
  let s = ''
  for (const x of b) s += HEX[x]
  return s
}

/** Writes the 32 bytes of a 64-character hex digest at `out[at]`; INVALID_DIGEST otherwise. */
export function hexInto(hex: string, out: Uint8Array, at: number): void {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new StoreError(Codes.INVALID_DIGEST, `not a SHA-256 hex digest: ${hex}`)
  if (NodeBuffer) {
    NodeBuffer.from(hex, 'hex').copy(out, at)
    return
  }
  for (let i = 0; i < 32; i++) out[at + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
}
