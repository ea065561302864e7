// What every content-store operation gets: its layout, hash and codec (arguments, never module
// globals), plus per-store bookkeeping, and the errors they share.

import { Codes, StoreError } from '../errors.js'
import type { Layout } from '../layout.js'
import type { HashBackend } from '../digest/types.js'
import type { Codec } from '../codec/types.js'
import type { Digest } from '../digest/digest.js'
import type { PutResult } from './types.js'

export interface ContentStoreOptions {
  layout: Layout
  hash: HashBackend
  codec: Codec
}

export interface CasContext extends ContentStoreOptions {
  /** Shard folders known to exist (saves a mkdir per blob). */
  shards: Set<string>
  /** Puts in progress in this process, by digest: a duplicate waits for the first. */
  inflight: Map<Digest, Promise<PutResult>>
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

export const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code
