// Reads, one dispatcher for every backing and encoding: the backing (loose files today; packs
// with issue 12, beside readBlobLoose.ts) hands out a header and a payload, the codec decodes it
// by its encoding (raw, deflate, brotli; zstd with issue 12), whole or streamed, and every read
// is verified: exactly the header's length, hashing to the digest asked for, or BLOB_CORRUPT
// naming the digest. An encoding the backend cannot read is BAD_CODEC; a failed read IO_ERROR.

import type { Digest } from '../digest/digest.js'
import { Codes, isStoreError } from '../errors.js'
import { corrupt, type CasContext } from './_context.js'
import { hasLoose, openLoose, parseHeader, readLoose, statLoose } from './readBlobLoose.js'
import type { BlobStat } from './types.js'

/**
 * Blobs stored in at most this many bytes are read and decoded whole by getStream(): one read
 * and one decode call beat a stream's setup for the 16–256 KiB chunks most reads are.
 */
const WHOLE = 1 << 20

export async function get(ctx: CasContext, d: Digest): Promise<Uint8Array> {
  return decodeWhole(ctx, d, await readLoose(ctx, d))
}

export async function* getStream(ctx: CasContext, d: Digest): AsyncGenerator<Uint8Array> {
  const blob = await openLoose(ctx, d, WHOLE)
  try {
    if (blob.whole) {
      yield await decodeWhole(ctx, d, blob.whole)
      return
    }
    const { encoding, size } = blob.header
    const hasher = ctx.hash.create()
    try {
      for await (const b of ctx.codec.decodeStream(encoding, blob.payload(), size)) {
        hasher.update(b)
        yield b
      }
    } catch (e) {
      throw asCorrupt(d, e)
    }
    if (hasher.digest() !== d) throw corrupt(d, 'content does not match its digest')
  } finally {
    await blob.close()
  }
}

export async function stat(ctx: CasContext, d: Digest): Promise<BlobStat | undefined> {
  const s = await statLoose(ctx, d)
  return s && { digest: d, size: s.header.size, stored: s.stored, encoding: s.header.encoding }
}

export const has = (ctx: CasContext, d: Digest): Promise<boolean> => hasLoose(ctx, d)

/** Stored bytes (header included) decoded in one call, verified. */
async function decodeWhole(ctx: CasContext, d: Digest, stored: Uint8Array): Promise<Uint8Array> {
  parseHeader(d, stored) // an unreadable header is this blob's corruption, not the codec's
  let data: Uint8Array
  try {
    data = await ctx.codec.decode(stored)
  } catch (e) {
    throw asCorrupt(d, e)
  }
  return verified(ctx, d, data)
}

function verified(ctx: CasContext, d: Digest, data: Uint8Array): Uint8Array {
  if (ctx.hash.sha256(data) !== d) throw corrupt(d, 'content does not match its digest')
  return data
}

/** A decoder's BLOB_CORRUPT, named by the digest; anything else (BAD_CODEC, IO_ERROR) as it is. */
function asCorrupt(d: Digest, e: unknown): unknown {
  if (isStoreError(e, Codes.BLOB_CORRUPT) && e.data.digest === undefined) return corrupt(d, e.message, e)
  return e
}
