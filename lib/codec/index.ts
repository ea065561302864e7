// Compression of stored blobs. `loadCodec()` gives the codec named, else env STORE_CODEC, else
// node:zlib (native, off the main thread) where it exists, else fflate. Both write raw DEFLATE
// under the same header, so either reads what the other wrote.

import { Codes, StoreError } from '../errors.js'
import type { Codec, CodecBackendName } from './types.js'

export { HEADER_SIZE } from './types.js'
export type { Codec, CodecBackendName, Encoding } from './types.js'
export { readHeader, encodeHeader, type Header } from './header.js'
export { DEFAULT_LEVEL } from './_codec.js'

let zlib: Promise<Codec> | undefined

const loadZlib = (): Promise<Codec> => {
  zlib ??= import('./zlib.js').then((m) => m.zlibCodec)
  zlib.catch(() => (zlib = undefined))
  return zlib
}

// Loaded on demand too: every command opens the store, few compress anything.
const loadFflate = (): Promise<Codec> => import('./fflate.js').then((m) => m.fflateCodec)

export async function loadCodec(name?: CodecBackendName): Promise<Codec> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.STORE_CODEC
  const want = name ?? (env || undefined)
  if (want === 'fflate') return loadFflate()
  if (want === 'zlib') return loadZlib()
  if (want === undefined) return loadZlib().catch(() => loadFflate())
  throw new StoreError(Codes.INVALID_ARGUMENT, `unknown codec "${want}" (want zlib or fflate)`, {
    data: { name: want },
    hint: 'check STORE_CODEC',
    exit: 1,
  })
}
