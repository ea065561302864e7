// SHA-256 digests. `loadHashBackend()` gives the backend named (the store's `hash` option,
// STORE_HASH in the CLI), else the native one (node:crypto), falling back to hash-wasm where
// node:crypto does not exist.
// Measured here (bench/sha256, 64 MiB): native ~1600 MB/s (SHA-NI, same as `openssl speed`),
// wasm ~380 MB/s. Both are loaded lazily and once.

import { Codes, StoreError } from '../errors.js'
import type { Digest } from './digest.js'
import type { HashBackend, HashBackendName } from './types.js'

export * from './digest.js'
export type { Hasher, HashBackend, HashBackendName } from './types.js'

const loaded = new Map<HashBackendName, Promise<HashBackend>>()
let current: HashBackend | undefined

function load(name: HashBackendName): Promise<HashBackend> {
  let p = loaded.get(name)
  if (!p) {
    p = name === 'wasm' ? import('./wasm.js').then((m) => m.createWasmBackend()) : import('./native.js').then((m) => m.createNativeBackend())
    loaded.set(name, p)
    p.catch(() => loaded.delete(name))
  }
  return p
}

/** The backend named, or the fastest available. Loading the default also arms `sha256()`. */
export async function loadHashBackend(name?: HashBackendName): Promise<HashBackend> {
  const want = name
  if (want !== undefined && want !== 'wasm' && want !== 'native') {
    throw new StoreError(Codes.INVALID_ARGUMENT, `unknown hash backend "${want}" (want wasm or native)`, {
      data: { name: want },
      hint: 'check STORE_HASH',
      })
  }
  let backend: HashBackend
  if (want) backend = await load(want)
  else backend = await load('native').catch(() => load('wasm'))
  if (name === undefined) current ??= backend
  return backend
}

/** Loads the default backend for `sha256()`. Call once (await) before using `sha256()`. */
export async function initHashing(name?: HashBackendName): Promise<HashBackend> {
  current = await loadHashBackend(name)
  return current
}

/** SHA-256 of a buffer with the default backend (synchronous; needs `initHashing()` first). */
export function sha256(data: Uint8Array): Digest {
  if (!current) throw new Error('sha256() called before the hash backend was loaded: await initHashing() first')
  return current.sha256(data)
}
