// Native codec: node:zlib. The async calls run on libuv's threadpool, so compression of many
// blobs in flight overlaps with the main thread (and uses the second core). Loaded only by
// dynamic import, so the codec module stays free of node:.

import { brotliDecompress, inflateRaw } from 'node:zlib'
import { promisify } from 'node:util'
import { defineCodec } from './_codec.js'
import { compressInWorker } from './_pool.js'
import type { Codec } from './types.js'

const inflateAsync = promisify(inflateRaw)
const unbrotliAsync = promisify(brotliDecompress)

export const zlibCodec: Codec = defineCodec({
  name: 'zlib',
  deflate: (data, level) => compressInWorker('deflate', data, Math.min(9, level)),
  // maxOutputLength: output beyond the header's length is corruption; stop there (+1 to see it).
  inflate: (payload, size) => inflateAsync(payload, { maxOutputLength: size + 1 }),
  brotli: {
    compress: (data) => compressInWorker('brotli', data),
    decompress: (payload, size) => unbrotliAsync(payload, { maxOutputLength: size + 1 }),
  },
})
