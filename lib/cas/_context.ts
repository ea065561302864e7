// What every content-store operation gets: its layout, hash and codec (arguments, never module
// globals), plus per-store bookkeeping, and the errors they share.

import { Codes, StoreError } from '../errors.js'
import type { Layout } from '../layout.js'
import type { HashBackend } from '../digest/types.js'
import type { Codec } from '../codec/types.js'
import type { Digest } from '../digest/digest.js'
import type { PutResult } from './types.js'
import type { PackSet } from './_packSet.js'
import { errno } from './_ioError.js'

export { errno, ioError } from './_ioError.js'
import type { DeltaBases } from '../codec/delta/types.js'

export interface ContentStoreOptions {
  layout: Layout
  hash: HashBackend
  codec: Codec
  /** Store resembling chunks as deltas (with the native codec). Default true. */
  deltas?: boolean
}

export interface CasContext extends ContentStoreOptions {
  /** Shard folders known to exist (saves a mkdir per blob). */
  shards: Set<string>
  /** Puts in progress in this process, by digest: a duplicate waits for the first. */
  inflight: Map<Digest, Promise<PutResult>>
  /** The packs this process knows (loaded on first use). */
  packs: PackSet
  /** The store's reads as a delta's chain needs them (_deltas.ts). */
  bases: DeltaBases
}

export function notFound(d: Digest): StoreError {
  return new StoreError(Codes.BLOB_NOT_FOUND, `blob ${d} not found`, { data: { digest: d } })
}

export function corrupt(d: Digest, why: string, cause?: unknown): StoreError {
  return new StoreError(Codes.BLOB_CORRUPT, `blob ${d} is corrupt: ${why}`, {
    data: { digest: d },
    hint: 'run `store fsck`, then remove and re-import or re-pull the images that use it',
    cause,
  })
}

export function mismatch(expected: Digest, actual: Digest): StoreError {
  return new StoreError(Codes.DIGEST_MISMATCH, `content has digest ${actual}, expected ${expected}`, { data: { expected, actual } })
}

