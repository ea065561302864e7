// What every content-store operation gets: its layout, hash and codec (arguments, never module
// globals), plus per-store bookkeeping, and the errors they share.

import { Codes, StoreError, isStoreError } from '../errors.js'
import type { Layout } from '../layout.js'
import type { HashBackend } from '../digest/types.js'
import type { Codec } from '../codec/types.js'
import type { Digest } from '../digest/digest.js'
import type { PutResult } from './types.js'
import type { PackSet } from './_packSet.js'
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

export const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

/**
 * A failed read or write of the store's own files, said as what it is, never as corruption:
 * STORAGE_FULL for ENOSPC/EDQUOT, IO_ERROR otherwise, with the errno and the path, in the
 * words Docker uses (`write /var/lib/…: no space left on device`). A StoreError passes as it is.
 */
export function ioError(e: unknown, path: string, op = 'write'): StoreError {
  if (isStoreError(e)) return e
  const err = e as NodeJS.ErrnoException
  const code = errno(e)
  const full = code === 'ENOSPC' || code === 'EDQUOT'
  // Node's "ENOSPC: no space left on device, write '/x'" -> "no space left on device".
  const why = /^[A-Z0-9_]+: (.*?), \w+/.exec(err?.message ?? '')?.[1] ?? err?.message ?? String(e)
  return new StoreError(full ? Codes.STORAGE_FULL : Codes.IO_ERROR, `${err?.syscall ?? op} ${err?.path ?? path}: ${why}`, {
    data: { path: err?.path ?? path, errno: code },
    hint: full ? 'free space on the file system that holds the store, then retry' : undefined,
    cause: e,
  })
}
