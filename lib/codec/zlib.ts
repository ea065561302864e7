// Native codec: node:zlib. Whole buffers compress in worker threads (_pool.ts) and decompress on
// libuv's threadpool; streams are zlib's Transforms. Loaded only by dynamic import, so the codec
// module stays free of node:.

import { brotliDecompress, constants as Z, createBrotliCompress, createBrotliDecompress, createDeflateRaw, createInflateRaw, createZstdCompress, createZstdDecompress, inflateRaw, zstdDecompress } from 'node:zlib'
import { promisify } from 'node:util'
import { BROTLI_QUALITY, BROTLI_WINDOW_BITS, ZSTD_LEVEL, type CodecImpl } from './_codec.js'
import { compressInWorker } from './_pool.js'
import { through } from './_nodeStreams.js'

const inflateAsync = promisify(inflateRaw)
const unbrotliAsync = promisify(brotliDecompress)
const unzstdAsync = promisify(zstdDecompress)
const brotliParams = { [Z.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [Z.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS }

export const zlibImpl: CodecImpl = {
  name: 'zlib',
  compressors: {
    deflate: {
      compress: (data, level) => compressInWorker('deflate', data, Math.min(9, level)),
      // maxOutputLength: output beyond the header's length is corruption; stop there (+1 to see it).
      decompress: (payload, size) => inflateAsync(payload, { maxOutputLength: size + 1 }),
      compressStream: (src, level) => through(createDeflateRaw({ level: Math.min(9, level) }), src),
      decompressStream: (src) => through(createInflateRaw(), src),
    },
    brotli: {
      compress: (data) => compressInWorker('brotli', data),
      decompress: (payload, size) => unbrotliAsync(payload, { maxOutputLength: size + 1 }),
      compressStream: (src) => through(createBrotliCompress({ params: brotliParams }), src),
      decompressStream: (src) => through(createBrotliDecompress(), src),
    },
    zstd: {
      compress: (data) => compressInWorker('zstd', data),
      decompress: (payload, size) => unzstdAsync(payload, { maxOutputLength: size + 1 }),
      // zstd decodes concatenated frames as one stream: one call (one decoder) for many blobs.
      decompressConcatenated: (payloads, size) => unzstdAsync(Buffer.concat(payloads), { maxOutputLength: size + 1 }),
      compressStream: (src) => through(createZstdCompress({ params: { [Z.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }), src),
      decompressStream: (src) => through(createZstdDecompress(), src),
    },
  },
}
