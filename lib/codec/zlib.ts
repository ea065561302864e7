// Native codec: node:zlib. Whole buffers compress with the synchronous calls (_pool.ts), zstd
// decodes with them too, DEFLATE and brotli on libuv's threadpool; streams are zlib's Transforms. Loaded only by dynamic import, so the codec
// module stays free of node:.

import { brotliDecompress, constants as Z, createBrotliCompress, createBrotliDecompress, createDeflateRaw, createInflateRaw, createZstdCompress, createZstdDecompress, inflateRaw, zstdDecompressSync } from 'node:zlib'
import { promisify } from 'node:util'
import { BROTLI_QUALITY, BROTLI_WINDOW_BITS, ZSTD_LEVEL, type CodecImpl } from './_codec.js'
import { compressInWorker, encodeManyInWorker } from './_pool.js'
import { WorkerPools } from '../_workerPool.js'
import { through } from './_nodeStreams.js'

const inflateAsync = promisify(inflateRaw)
const unbrotliAsync = promisify(brotliDecompress)
const brotliParams = { [Z.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [Z.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS }

/**
 * zlib's output piece for a decode of `size` bytes: the whole output in one buffer up to 2 MiB
 * (every chunk and index segment), not 16 KiB pieces joined at the end (fsck of 300,000 files'
 * index segments: 346 against 308 MB peak); capped, since `size` comes from the blob's header.
 */
const outputChunk = (size: number) => Math.max(64, Math.min(size + 1, 2 << 20))

/** The backend, compressing large blobs on `workers` (the store's; a codec loaded alone gets its own). */
export const zlibImpl = (workers: WorkerPools = new WorkerPools()): CodecImpl => ({
  name: 'zlib',
  encodeMany: (enc, datas, level, pool, deltas) => encodeManyInWorker(workers, enc, datas, level, pool, deltas),
  compressors: {
    deflate: {
      compress: (data, level) => compressInWorker(workers, 'deflate', data, Math.min(9, level)),
      // maxOutputLength: output beyond the header's length is corruption; stop there (+1 to see it).
      decompress: (payload, size) => inflateAsync(payload, { maxOutputLength: size + 1 }),
      compressStream: (src, level) => through(createDeflateRaw({ level: Math.min(9, level) }), src),
      decompressStream: (src) => through(createInflateRaw(), src),
    },
    brotli: {
      compress: (data) => compressInWorker(workers, 'brotli', data),
      decompress: (payload, size) => unbrotliAsync(payload, { maxOutputLength: size + 1 }),
      compressStream: (src) => through(createBrotliCompress({ params: brotliParams }), src),
      decompressStream: (src) => through(createBrotliDecompress(), src),
    },
    zstd: {
      compress: (data) => compressInWorker(workers, 'zstd', data),
      // Synchronous, here: the async call builds a stream and a decoder per blob, which cost more
      // than decoding a chunk, and its many native buffers fragment the heap. fsck of 300,000
      // small files: 5.4 s and 455 MB peak against 7.2 s and 633 MB; of /usr/share 15.7 against
      // 23.7 s (one run each).
      decompress: async (payload, size) => zstdDecompressSync(payload, { maxOutputLength: size + 1, chunkSize: outputChunk(size) }),
      // zstd decodes concatenated frames as one stream: one call (one decoder) for many blobs.
      decompressConcatenated: async (payloads, size) => zstdDecompressSync(Buffer.concat(payloads), { maxOutputLength: size + 1, chunkSize: outputChunk(size) }),
      compressStream: (src) => through(createZstdCompress({ params: { [Z.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }), src),
      decompressStream: (src) => through(createZstdDecompress(), src),
    },
  },
})
