// Content-defined chunking (FastCDC). `loadChunker()` gives the WebAssembly core unless
// STORE_CHUNKER=ts asks for the TypeScript reference; both cut at the same points.

import { Codes, StoreError } from '../errors.js'
import { tsChunker } from './ts.js'
import type { ChunkerImpl, ChunkerImplName } from './types.js'

export { DEFAULT_CHUNKER_OPTIONS } from './types.js'
export type { Chunker, ChunkerImpl, ChunkerImplName, ChunkerOptions } from './types.js'
export { resolveChunkerOptions, CHUNKER_LIMITS, type ResolvedChunkerOptions } from './options.js'

let wasm: Promise<ChunkerImpl> | undefined

/** The chunker named, or env STORE_CHUNKER, or 'wasm'. The wasm core is instantiated once. */
export function loadChunker(name?: ChunkerImplName): Promise<ChunkerImpl> {
  // Read the environment without importing node: (this module is pure).
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  const n = name ?? env?.STORE_CHUNKER ?? 'wasm'
  if (n === 'ts') return Promise.resolve(tsChunker)
  if (n === 'wasm') {
    wasm ??= import('./wasm.js').then((m) => m.createWasmChunker())
    wasm.catch(() => (wasm = undefined))
    return wasm
  }
  return Promise.reject(
    new StoreError(Codes.INVALID_ARGUMENT, `unknown chunker "${n}" (want wasm or ts)`, { data: { name: n }, hint: 'check STORE_CHUNKER', exit: 1 }),
  )
}
