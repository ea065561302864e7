// Content-defined chunking (FastCDC). `loadChunker()` gives the WebAssembly core unless 'ts'
// asks for the TypeScript reference (the store's `chunker` option, STORE_CHUNKER=ts in the
// CLI); both cut at the same points.

import { Codes, StoreError } from '../errors.js'
import { tsChunker } from './ts.js'
import type { ChunkerImpl, ChunkerImplName } from './types.js'

export { DEFAULT_CHUNKER_OPTIONS } from './types.js'
export type { Chunker, ChunkerImpl, ChunkerImplName, ChunkerOptions } from './types.js'
export { resolveChunkerOptions, CHUNKER_LIMITS, type ResolvedChunkerOptions } from './options.js'

let wasm: Promise<ChunkerImpl> | undefined

/** The chunker named, else 'wasm'. The wasm core is instantiated once. */
export function loadChunker(name?: ChunkerImplName): Promise<ChunkerImpl> {
  const n = name ?? 'wasm'
  if (n === 'ts') return Promise.resolve(tsChunker)
  if (n === 'wasm') {
    wasm ??= import('./wasm.js').then((m) => m.createWasmChunker())
    wasm.catch(() => (wasm = undefined))
    return wasm
  }
  return Promise.reject(
    new StoreError(Codes.INVALID_ARGUMENT, `unknown chunker "${n}" (want wasm or ts)`, { data: { name: n }, hint: 'check STORE_CHUNKER' }),
  )
}
