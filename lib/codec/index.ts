// Compression of stored blobs. `loadCodec()` gives the backend named (the store's `codec`
// option, STORE_CODEC in the CLI), else node:zlib (native, off the main thread) where it exists,
// else fflate; writing the encoding asked for (`compression`, STORE_COMPRESSION), else the best
// the backend has (zstd, then brotli, then deflate).
// Both backends read raw and DEFLATE under the same header, so either reads what the other
// wrote, unless it is brotli (native only).

import { Codes, StoreError } from '../errors.js'
import { defineCodec, type CodecImpl } from './_codec.js'
import type { Codec, CodecBackendName, Encoding } from './types.js'
import type { WorkerPools } from '../_workerPool.js'

export { HEADER_SIZE } from './types.js'
export type { Codec, CodecBackendName, Compressor, Encoding, PackedEncoding } from './types.js'
export { readHeader, encodeHeader, type Header } from './header.js'
/** Worker source for the codec's compression ops, for a module whose own workers run them too (the layer's read workers). */
export { COMPRESS_OPS } from './_compressOps.js'
export { DEFAULT_LEVEL, BROTLI_QUALITY, BROTLI_WINDOW_BITS, ZSTD_LEVEL } from './_codec.js'

export interface CodecOptions {
  /** What to write when compression pays. */
  encoding?: Encoding
  /** Where large blobs are compressed: the open store's pools (default: the codec's own). */
  workers?: WorkerPools
}

const loadZlib = (workers?: WorkerPools): Promise<CodecImpl> => import('./zlib.js').then((m) => m.zlibImpl(workers))

// Loaded on demand too: every command opens the store, few compress anything.
const loadFflate = (): Promise<CodecImpl> => import('./fflate.js').then((m) => m.fflateImpl)

const ENCODINGS: readonly Encoding[] = ['raw', 'deflate', 'brotli', 'zstd']
/** Preference when none is asked for: the best ratio per CPU second the backend has. */
const PREFERRED: readonly Encoding[] = ['zstd', 'brotli', 'deflate']

export async function loadCodec(name?: CodecBackendName, opts: CodecOptions = {}): Promise<Codec> {
  const want = name
  let impl: CodecImpl
  if (want === 'fflate') impl = await loadFflate()
  else if (want === 'zlib') impl = await loadZlib(opts.workers)
  else if (want === undefined) impl = await loadZlib(opts.workers).catch(() => loadFflate())
  else throw invalid(`unknown codec "${want}" (want zlib or fflate)`, 'check STORE_CODEC', { name: want })

  const asked = opts.encoding
  if (asked !== undefined && !ENCODINGS.includes(asked as Encoding)) {
    throw invalid(`unknown compression "${asked}" (want ${ENCODINGS.join(', ')})`, 'check STORE_COMPRESSION', { encoding: asked })
  }
  if (asked !== undefined && asked !== 'raw' && !(asked in impl.compressors)) {
    throw invalid(`the ${impl.name} codec cannot write ${asked}`, 'check STORE_COMPRESSION and STORE_CODEC', { encoding: asked })
  }
  const encoding = (asked as Encoding | undefined) ?? PREFERRED.find((e) => e in impl.compressors)!
  return defineCodec(impl, encoding)
}

function invalid(message: string, hint: string, data: Record<string, unknown>): StoreError {
  return new StoreError(Codes.INVALID_ARGUMENT, message, { data, hint })
}
