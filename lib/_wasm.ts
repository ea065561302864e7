// One way to start a hand-written WebAssembly module (the chunker's and the sketch's): decode
// its base64 bytes, instantiate, and grow its memory once to what the caller lays out, so the
// caller's views of that memory stay valid for the instance's life. Pure.

import { Codes, StoreError } from './errors.js'
import { decodeBase64 } from './_bytes.js'

/** What every such module exports: its memory (exported by the .wat). */
export interface WasmMemoryExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number }
}

// The lib is ES2022 without DOM, so WebAssembly has no ambient types here: declare what we use.
interface WasmApi {
  instantiate(bytes: Uint8Array): Promise<{ instance: { exports: unknown } }>
}

/**
 * The module's exports, its memory at least `bytes` long. `fallback` names the non-WebAssembly
 * implementation for the error when the runtime has no WebAssembly.
 */
export async function instantiateWasm<T extends WasmMemoryExports>(base64: string, bytes: number, fallback: string): Promise<T> {
  const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly
  if (!WA) throw new StoreError(Codes.INVALID_ARGUMENT, 'WebAssembly is not available here', { hint: `use ${fallback}` })
  const { instance } = await WA.instantiate(decodeBase64(base64))
  const x = instance.exports as T
  const have = x.memory.buffer.byteLength
  if (have < bytes) x.memory.grow(Math.ceil((bytes - have) / 65536))
  return x
}
