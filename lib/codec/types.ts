// Compression of stored blobs. A stored file is a small header and a payload; the header says
// how the payload is stored, so codecs can change without rewriting the store.
//
// Header (9 bytes): [0] encoding (0 = raw, 1 = deflate-raw, 2 = brotli, 3 = zstd, 4 = delta),
// [1..8] uncompressed length u64 LE. A delta (lib/codec/delta) is a chunk stored against a base chunk:
// decode() resolves it through the content store's reads (DeltaBases), on either backend.
//
// Every blob is read and written through the codec, by its encoding, whole or streamed: one
// dispatcher (_codec.ts) over one Compressor per encoding a backend has. A backend that lacks
// an encoding refuses it with BAD_CODEC, never returns its payload as if it were raw.

import type { DeltaBase, DeltaBases } from './delta/types.js'
import type { WorkerPool } from '../_workerPool.js'

export type Encoding = 'raw' | 'deflate' | 'brotli' | 'zstd' | 'delta'
/** The encodings a backend compresses with (raw is the dispatcher's own, delta lib/codec/delta's). */
export type PackedEncoding = Exclude<Encoding, 'raw' | 'delta'>
export type CodecBackendName = 'fflate' | 'zlib'

export const HEADER_SIZE = 9

/** One compressed encoding, as a backend implements it. Errors on bad input are the backend's own. */
export interface Compressor {
  compress(data: Uint8Array, level: number): Promise<Uint8Array>
  /** `size` is the expected output length: a bound, to stop a bomb early. */
  decompress(payload: Uint8Array, size: number): Promise<Uint8Array>
  compressStream(src: AsyncIterable<Uint8Array>, level: number): AsyncIterable<Uint8Array>
  /** `size`: the expected output length (a decoder that must hold it whole uses it as its bound). */
  decompressStream(src: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Uint8Array>
  /**
   * Where the encoding's frames concatenate (zstd): several payloads decoded in one call, their
   * outputs one after another (`size`: their total, the bound). Optional.
   */
  decompressConcatenated?(payloads: Uint8Array[], size: number): Promise<Uint8Array>
}

export interface Codec {
  readonly name: CodecBackendName
  /** What encode() and encodeStream() write when compression pays (raw otherwise). */
  readonly encoding: Encoding
  /** The encodings this backend reads and writes (raw always). */
  readonly encodings: readonly Encoding[]
  /** Header + payload. Stores raw when compression does not shrink the data (or level is 0). */
  encode(data: Uint8Array, level?: number): Promise<Uint8Array>
  /**
   * Several blobs, each stored as encode() stores it, in order. The native backend compresses
   * them in one message to a worker thread (`pool`: one whose workers run the codec's
   * compression ops, as the layer module's read workers do; the codec's own by default).
   * `bases[i]`: a stored chunk datas[i] resembles; the native backend stores datas[i] as a
   * delta against it (lib/codec/delta) where that is smaller and the depth bound allows, the
   * portable one ignores it (it writes whole blobs only). storedDepth() of a result says which.
   */
  encodeMany(datas: readonly Uint8Array[], o?: { level?: number; pool?: WorkerPool; bases?: readonly (DeltaBase | undefined)[] }): Promise<Uint8Array[]>
  /**
   * Payload of a stored file back to the original bytes (checks the length in the header). A
   * delta needs `bases` (its chain is read and verified through them; BLOB_CORRUPT naming the
   * digests if a base is missing or the chain is deeper than lib/codec/delta's MAX_DEPTH); without
   * them it is BAD_CODEC.
   */
  decode(stored: Uint8Array, bases?: DeltaBases): Promise<Uint8Array>
  /**
   * Several stored blobs decoded, in order, each as decode() would give it: its content or its
   * error (never thrown). The zstd blobs among them go through one decoder call per MiB:
   * setting a decoder up costs ~40 µs (node:zlib), more than decoding a small blob, and a pack
   * holds them by the thousand. Deltas are decoded alone, through `bases`.
   */
  decodeMany(stored: Uint8Array[], bases?: DeltaBases): Promise<(Uint8Array | Error)[]>
  /** The payload (no header) of `encoding` for a stream of bytes. */
  encodeStream(encoding: Encoding, src: AsyncIterable<Uint8Array>, level?: number): AsyncIterable<Uint8Array>
  /**
   * The original bytes of a payload stream of `encoding`. Fails with BLOB_CORRUPT as soon as
   * the output passes `size` and at the end if it is shorter; errors of `payload` pass as they
   * are. A delta is BAD_CODEC here: deltas are chunks, read whole (decode) with their base.
   */
  decodeStream(encoding: Encoding, payload: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Uint8Array>
}
