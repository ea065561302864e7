// Portable codec: fflate (pure JavaScript) for DEFLATE and WebAssembly zstd (wasmZstd.ts), on the
// calling thread. A brotli blob is refused with BAD_CODEC (native only); zstd, the native
// default, is read and written here too, so a store is portable as written.

import { Deflate, Inflate, deflateSync, inflateSync, type DeflateOptions } from 'fflate'
import type { CodecImpl } from './_codec.js'
import { wasmZstd } from './wasmZstd.js'

const lvl = (level: number) => Math.min(9, level) as DeflateOptions['level']
/** Input slice per push: DEFLATE expands at most ~1032x, so one push yields at most ~16 MiB. */
const PUSH = 16 << 10

/** Runs an fflate stream object over `src`, yielding what each push produced. */
async function* pushAll(
  make: (ondata: (chunk: Uint8Array) => void) => { push(c: Uint8Array, final?: boolean): void },
  src: AsyncIterable<Uint8Array>,
  slice: number,
): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = []
  const s = make((c) => out.push(c))
  for await (const b of src) {
    for (let o = 0; o < b.length; o += slice) {
      s.push(b.subarray(o, o + slice))
      if (out.length > 0) yield* out.splice(0)
    }
  }
  s.push(new Uint8Array(0), true)
  yield* out
  out = []
}

export const fflateImpl: CodecImpl = {
  name: 'fflate',
  compressors: {
    deflate: {
      compress: async (data, level) => deflateSync(data, { level: lvl(level) }),
      // One byte of slack: fflate silently drops output past a given buffer, so an overlong
      // stream would otherwise look exactly `size` long.
      decompress: async (payload, size) => inflateSync(payload, { out: new Uint8Array(size + 1) }),
      compressStream: (src, level) => pushAll((ondata) => new Deflate({ level: lvl(level) }, ondata), src, 1 << 20),
      decompressStream: (src) => pushAll((ondata) => new Inflate(ondata), src, PUSH),
    },
    zstd: wasmZstd,
  },
}
