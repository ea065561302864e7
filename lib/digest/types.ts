// SHA-256 through one interface with two backends: hash-wasm (portable) and node:crypto
// (native, uses the CPU's SHA instructions). Both give identical digests (property-tested).

import type { Digest } from './digest.js'
import type { WorkerPools } from '../_workerPool.js'

export type HashBackendName = 'wasm' | 'native'

/** An incremental SHA-256. `digest()` ends it; a Hasher is not reused afterwards. */
export interface Hasher {
  update(data: Uint8Array): void
  digest(): Digest
}

export interface HashBackend {
  readonly name: HashBackendName
  /** A new incremental hasher. Synchronous: backends are initialised when loaded. */
  create(): Hasher
  /** One-shot digest of a buffer (fast path for small inputs). */
  sha256(data: Uint8Array): Digest
  /**
   * Where the platform has threads (native): an incremental hasher that hashes in the
   * background, on a thread of `workers` (the open store's pools). update() copies and returns
   * a promise only when the caller must wait.
   */
  background?(workers: WorkerPools): { update(data: Uint8Array): Promise<void> | undefined; digest(): Promise<Digest> }
}
