// zstd for the portable backend: the reference C library compiled to WebAssembly
// (@hpcc-js/wasm-zstd), so a store the native backend wrote with zstd is read, and written,
// under Deno and in a browser too. Loaded on first use (compiling the module takes a few ms).
// Its decoder needs an output buffer as large as the output: a payload is decoded whole into
// one of the blob's size (+1, so a longer output shows as one: the dispatcher then calls it
// corrupt). Payloads are chunks and index segments, at most a few MiB.
// (Its whole-buffer decompress() fails on frames that do not declare their size, as streamed
// ones do not; decompressChunk() with room for all of it does not, and a frame that declares
// more than the blob's size is refused before any allocation.)

import type { Compressor } from './types.js'
import { ZSTD_LEVEL } from './_codec.js'
import { frameContentSize } from './_zstdFrame.js'

type Zstd = Awaited<ReturnType<(typeof import('@hpcc-js/wasm-zstd'))['Zstd']['load']>>
let loading: Promise<Zstd> | undefined
const zstd = (): Promise<Zstd> => (loading ??= import('@hpcc-js/wasm-zstd').then((m) => m.Zstd.load()))

export { frameContentSize }

async function decompress(payload: Uint8Array, size: number): Promise<Uint8Array> {
  const declared = frameContentSize(payload)
  if (declared !== undefined && declared > size) throw new Error(`zstd frame declares ${declared} bytes, more than ${size}`)
  const z = await zstd()
  z.reset()
  return z.decompressChunk(payload, size + 1)
}

async function* collect(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, Uint8Array> {
  const parts: Uint8Array[] = []
  let n = 0
  for await (const b of src) {
    parts.push(b)
    n += b.length
  }
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const wasmZstd: Compressor = {
  compress: async (data) => (await zstd()).compress(data, ZSTD_LEVEL),
  decompress,
  async *compressStream(src) {
    const z = await zstd()
    z.reset()
    z.setCompressionLevel(ZSTD_LEVEL)
    for await (const b of src) {
      const out = z.compressChunk(b)
      if (out.length > 0) yield out
    }
    yield z.compressEnd()
  },
  async *decompressStream(src, size) {
    yield await decompress(yield* collect(src), size)
  },
}
