// The one dispatcher from an encoding to its compressor, for whole buffers and for streams
// alike, and what every backend shares: the header, the raw fallback, the length checks, and
// what a decode error is called (BLOB_CORRUPT; BAD_CODEC for an encoding the backend lacks).
// A delta blob is decoded by lib/codec/delta over the backend's own zstd: both backends read it.

import { Codes, StoreError, isStoreError } from '../errors.js'
import { decodeDelta } from './delta/decode.js'
import { deltaHeadAgainst, deltaRef } from './delta/format.js'
import type { DeltaBase, DeltaBases } from './delta/types.js'
import { encodeHeader, readHeader } from './header.js'
import { frameContentSize } from './_zstdFrame.js'
import type { WorkerPool } from '../_workerPool.js'
import { HEADER_SIZE, type Codec, type CodecBackendName, type Compressor, type Encoding, type PackedEncoding } from './types.js'

/** Compression level when none is given. Level 1 measured (bench/codec): several times faster than 6 for a few % of ratio. */
export const DEFAULT_LEVEL = 1

/**
 * Brotli as the native backend writes it, in-process and in workers alike: quality 1 with a
 * 64 KiB window compresses chunks about 2.8x faster than DEFLATE level 1 for the same ratio
 * (measured on /usr/lib binaries: 232 vs 83 MB/s, 0.345 vs 0.338), which is what lets a first
 * import keep up with `tar | gzip -1`.
 */
export const BROTLI_QUALITY = 1
export const BROTLI_WINDOW_BITS = 16

/**
 * zstd as both backends write it: level 3 (zstd's default) compressed real 64 KiB chunks to a
 * better ratio than brotli q1 at 1.7x its speed (issue 12's measurement; bench/codec repeats it).
 */
export const ZSTD_LEVEL = 3

/** A buffer's delta base for a worker's `many` message (_compressOps.ts): the base's content and the delta head to write. */
export interface ManyDelta {
  base: Uint8Array
  head: Uint8Array
}

export interface CodecImpl {
  name: CodecBackendName
  /** One compressor per encoding the backend has. */
  compressors: Partial<Record<PackedEncoding, Compressor>>
  /**
   * Several blobs stored as encode() stores each, off the calling thread (on `pool` when given),
   * each with a base in `deltas` stored as a delta against it where that is smaller. Optional:
   * a backend without it writes whole blobs only.
   */
  encodeMany?(encoding: PackedEncoding, datas: readonly Uint8Array[], level: number, pool?: WorkerPool, deltas?: readonly (ManyDelta | undefined)[]): Promise<Uint8Array[]>
}

export function defineCodec(impl: CodecImpl, encoding: Encoding): Codec {
  const encodings: Encoding[] = ['raw', ...(Object.keys(impl.compressors) as PackedEncoding[])]
  const compressor = (e: PackedEncoding): Compressor => {
    const c = impl.compressors[e]
    if (c) return c
    throw new StoreError(Codes.BAD_CODEC, `stored blob is ${e}-compressed, which the ${impl.name} backend cannot read`, {
      data: { encoding: e },
      hint: 'open the store with the zlib codec (STORE_CODEC=zlib)',
    })
  }
  if (!encodings.includes(encoding)) compressor(encoding as PackedEncoding)

  const decode = async (stored: Uint8Array, bases?: DeltaBases): Promise<Uint8Array> => {
    const { encoding: e, size } = readHeader(stored)
    const payload = stored.subarray(HEADER_SIZE)
    if (e === 'raw') {
      if (payload.length !== size) throw lengthMismatch(size, payload.length)
      return payload
    }
    let out: Uint8Array
    if (e === 'delta') out = await delta(stored, bases)
    else {
      const c = compressor(e)
      try {
        out = await c.decompress(payload, size)
      } catch (err) {
        throw corruptPayload(err, size)
      }
    }
    if (out.length !== size) throw lengthMismatch(size, out.length)
    return out
  }

  const codec: Codec = {
    name: impl.name,
    encoding,
    encodings,
    async encode(data, level = DEFAULT_LEVEL) {
      if (encoding !== 'raw' && level > 0 && data.length > 0) {
        // Checked above: `encoding` is one the backend has (never delta, which lib/codec/delta writes).
        const packed = await compressor(encoding as PackedEncoding).compress(data, level)
        if (packed.length < data.length) {
          const out = new Uint8Array(HEADER_SIZE + packed.length)
          encodeHeader(encoding, data.length, out)
          out.set(packed, HEADER_SIZE)
          return out
        }
      }
      // Incompressible (or level 0): raw is both smaller and free to read.
      const out = new Uint8Array(HEADER_SIZE + data.length)
      encodeHeader('raw', data.length, out)
      out.set(data, HEADER_SIZE)
      return out
    },
    decode,
    async encodeMany(datas, o = {}) {
      const level = o.level ?? DEFAULT_LEVEL
      if (impl.encodeMany && encoding !== 'raw' && level > 0) {
        const deltas = o.bases?.map((b, i) => (b ? deltaInput(datas[i], b) : undefined))
        return impl.encodeMany(encoding as PackedEncoding, datas, level, o.pool, deltas)
      }
      return Promise.all(datas.map((d) => codec.encode(d, level)))
    },
    decodeMany: (stored, bases) => decodeMany(stored, (s) => decode(s, bases), impl.compressors.zstd?.decompressConcatenated),
    encodeStream(e, src, level = DEFAULT_LEVEL) {
      if (e === 'delta') throw wholeOnly()
      return e === 'raw' ? src : compressor(e).compressStream(src, level)
    },
    decodeStream(e, payload, size) {
      if (e === 'delta') throw wholeOnly()
      return checked(e === 'raw' ? payload : guarded(compressor(e), payload, size), size)
    },
  }
  const delta = (stored: Uint8Array, bases: DeltaBases | undefined): Promise<Uint8Array> => {
    if (!bases) throw needsBases(stored)
    const zstd = compressor('zstd')
    return decodeDelta(stored, bases, {
      plain: (s) => codec.decode(s),
      unzstd: (frame, size) => zstd.decompress(frame, size),
    })
  }
  return codec
}

/** A delta read without the content store behind it: a caller's mistake, said as such. */
function needsBases(stored: Uint8Array): StoreError {
  const base = deltaRef(stored)?.base
  return new StoreError(Codes.BAD_CODEC, `stored blob is a delta against ${base}: only a content store read can resolve it`, { data: { encoding: 'delta', base } })
}

function wholeOnly(): StoreError {
  return new StoreError(Codes.BAD_CODEC, 'deltas are chunks, written by lib/codec/delta and read whole with their base, never streamed', { data: { encoding: 'delta' } })
}

/** A run of zstd blobs decoded together holds at most this many bytes of output. */
const CONCAT_MAX = 1 << 20

/**
 * decode() of each, except that the zstd blobs among them are decoded by one call of
 * `concatenated` per MiB of output, cut by the headers' lengths (raw blobs between them are
 * copied out as they are). Only frames that declare the header's length join a run: zstd fails
 * a frame whose output differs from what it declares, so no blob's bytes can shift into its
 * neighbour's. If the call fails, the run is decoded blob by blob: each error is then its own.
 */
async function decodeMany(
  stored: Uint8Array[],
  decode: (s: Uint8Array) => Promise<Uint8Array>,
  concatenated: Compressor['decompressConcatenated'],
): Promise<(Uint8Array | Error)[]> {
  // Values where known at once (raw blobs, unreadable headers); promises only per run and per
  // blob decoded alone: a pack's worth of small blobs is hundreds of thousands of them.
  const out: (Uint8Array | Error)[] = new Array(stored.length)
  const waits: Promise<void>[] = []
  const alone = (i: number) => waits.push(decode(stored[i]).then((v) => void (out[i] = v), (e) => void (out[i] = e)))
  let run: { at: number[]; sizes: number[]; total: number } | undefined
  const end = () => {
    if (!run) return
    const r = run
    run = undefined
    if (r.at.length === 1) return alone(r.at[0])
    waits.push(
      decodeRun(r.at.map((i) => stored[i].subarray(HEADER_SIZE)), r.sizes, r.total, concatenated!).then(
        (vs) => r.at.forEach((i, k) => (out[i] = vs[k])),
        () => Promise.all(r.at.map((i) => alone(i))).then(() => {}),
      ),
    )
  }
  for (let i = 0; i < stored.length; i++) {
    const s = stored[i]
    let h: ReturnType<typeof readHeader>
    try {
      h = readHeader(s)
    } catch (e) {
      out[i] = e as Error
      continue
    }
    if (h.encoding === 'raw') {
      out[i] = s.length - HEADER_SIZE === h.size ? s.subarray(HEADER_SIZE) : lengthMismatch(h.size, s.length - HEADER_SIZE)
    } else if (!concatenated || h.encoding !== 'zstd' || h.size > CONCAT_MAX || frameContentSize(s.subarray(HEADER_SIZE)) !== h.size) {
      alone(i)
    } else {
      if (run && run.total + h.size > CONCAT_MAX) end()
      run ??= { at: [], sizes: [], total: 0 }
      run.at.push(i)
      run.sizes.push(h.size)
      run.total += h.size
    }
  }
  end()
  // A failed run's blobs are decoded alone, which adds to `waits` while it is awaited.
  for (let k = 0; k < waits.length; k++) await waits[k]
  return out
}

/** One call for the run; its output cut into the blobs' contents by their lengths. */
async function decodeRun(payloads: Uint8Array[], sizes: number[], total: number, concatenated: NonNullable<Compressor['decompressConcatenated']>): Promise<Uint8Array[]> {
  const all = await concatenated(payloads, total)
  if (all.length !== total) throw lengthMismatch(total, all.length)
  const out: Uint8Array[] = []
  for (let i = 0, at = 0; i < sizes.length; at += sizes[i++]) out.push(all.subarray(at, at + sizes[i]))
  return out
}

/** A compressor's stream, its own errors called corruption, its source's passed as they are. */
async function* guarded(c: Compressor, payload: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let sourceError: { e: unknown } | undefined
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      yield* payload
    } catch (e) {
      sourceError = { e }
      throw e
    }
  }
  try {
    yield* c.decompressStream(source(), size)
  } catch (e) {
    if (sourceError) throw sourceError.e
    throw corruptPayload(e, size)
  }
}

/** Exactly `size` bytes, or BLOB_CORRUPT as soon as it is clear there are more or fewer. */
async function* checked(src: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let n = 0
  for await (const b of src) {
    n += b.length
    if (n > size) throw lengthMismatch(size, n, 'at least ')
    yield b
  }
  if (n !== size) throw lengthMismatch(size, n)
}

function corruptPayload(e: unknown, size: number): StoreError {
  if (isStoreError(e)) return e
  return new StoreError(Codes.BLOB_CORRUPT, `compressed payload is corrupt: ${(e as Error).message}`, { data: { size }, cause: e })
}

function lengthMismatch(want: number, got: number, qualifier = ''): StoreError {
  return new StoreError(Codes.BLOB_CORRUPT, `decoded payload has ${qualifier}${got} bytes, header says ${want}`, { data: { size: want, actual: got } })
}

/** What a worker needs to try `data` as a delta against `base`, or undefined when it may not be one. */
function deltaInput(data: Uint8Array, base: DeltaBase): ManyDelta | undefined {
  const head = deltaHeadAgainst(data.length, base)
  return head && { base: base.content, head }
}
