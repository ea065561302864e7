// Compression of stored blobs. A stored file is a small header and a payload; the header says
// how the payload is stored, so codecs can change without rewriting the store.
//
// Header (9 bytes): [0] encoding (0 = raw, 1 = deflate-raw, 2 = brotli), [1..8] uncompressed
// length u64 LE.

export type Encoding = 'raw' | 'deflate' | 'brotli'
export type CodecBackendName = 'fflate' | 'zlib'

export const HEADER_SIZE = 9

export interface Codec {
  readonly name: CodecBackendName
  /** Header + payload. Stores raw when compression does not shrink the data. */
  encode(data: Uint8Array, level?: number): Promise<Uint8Array>
  /** Payload of a stored file back to the original bytes (checks the length in the header). */
  decode(stored: Uint8Array): Promise<Uint8Array>
}
