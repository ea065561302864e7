// put(): one buffer into the store. The order keeps the common cases cheap when layer import has
// many puts in flight: hash (in memory), then a stat (an existing blob costs nothing more: no
// compression, no write), then compress, write, fsync and link only what is new.

import { stat } from 'node:fs/promises'
import { hexOf, type Digest } from '../digest/digest.js'
import { encodeHeader } from '../codec/header.js'
import { commit, discard, openTemp, writeAll } from './_ingest.js'
import { errno, ioError, mismatch, type CasContext } from './_context.js'
import type { PutOptions, PutResult } from './types.js'

export async function put(ctx: CasContext, data: Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
  const digest = ctx.hash.sha256(data)
  checkExpected(opts.expected, digest)
  // One write per digest at a time in this process: duplicates (zero-filled chunks, a file that
  // occurs twice in a layer) wait for the first and report that the blob existed.
  const pending = ctx.inflight.get(digest)
  if (pending) {
    const r = await pending.catch(() => undefined)
    if (r) return { ...r, existed: true }
    return putNew(ctx, digest, data, opts.compress !== false)
  }
  const p = putNew(ctx, digest, data, opts.compress !== false)
  ctx.inflight.set(digest, p)
  try {
    return await p
  } finally {
    ctx.inflight.delete(digest)
  }
}

/** DIGEST_MISMATCH unless `actual` is the expected digest (an invalid `expected` is INVALID_DIGEST). */
export function checkExpected(expected: Digest | undefined, actual: Digest): void {
  if (expected === undefined) return
  hexOf(expected)
  if (expected !== actual) throw mismatch(expected, actual)
}

async function putNew(ctx: CasContext, digest: Digest, data: Uint8Array, compress: boolean): Promise<PutResult> {
  const target = ctx.layout.blob(digest)
  const have = await storedSize(target)
  if (have !== undefined) return { digest, size: data.length, stored: have, existed: true }

  // Uncompressed: header and data go out in one writev, without a copy.
  const parts = compress ? [await ctx.codec.encode(data)] : [encodeHeader('raw', data.length), data]
  const t = await openTemp(ctx, hexOf(digest))
  let stored: number
  try {
    stored = await writeAll(t, parts, 0)
  } catch (e) {
    await discard(t)
    throw e
  }
  if (await commit(ctx, t, digest)) return { digest, size: data.length, stored, existed: false }
  // Lost a race with another process: report the blob as it is on disk.
  return { digest, size: data.length, stored: (await storedSize(target)) ?? stored, existed: true }
}

export async function storedSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined
    throw ioError(e, path, 'stat')
  }
}
