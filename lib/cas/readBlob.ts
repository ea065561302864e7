// Reads, one dispatcher for every backing and encoding: the backing (a pack, readBlobPacked.ts,
// or a loose file, readBlobLoose.ts) hands out a header and a payload, the codec decodes it by
// its encoding (raw, deflate, brotli, zstd; a delta through its chain, _deltas.ts), whole or
// streamed, and every read is verified: exactly the header's length, hashing to the digest asked for, or BLOB_CORRUPT naming the
// digest. An encoding the backend cannot read is BAD_CODEC; a failed read IO_ERROR.
// Where a blob is looked for, cheapest first: the packs loaded in memory, its loose file, then
// packs/ read again (another process may have published a pack since ours were loaded).

import { hexOf, type Digest } from '../digest/digest.js'
import { Codes, isStoreError } from '../errors.js'
import { corrupt, notFound, type CasContext } from './_context.js'
import type { Located } from './_packSet.js'
import { hasLoose, openLoose, parseHeader, readLoose, statLoose, type StoredBlob } from './readBlobLoose.js'
import { PackGone, readPacked, statPacked } from './readBlobPacked.js'
import type { BlobStat } from './types.js'

/**
 * Blobs stored in at most this many bytes are read and decoded whole by getStream(): one read
 * and one decode call beat a stream's setup for the 16–256 KiB chunks most reads are. Every
 * packed blob is under it (PACK_ENTRY_MAX).
 */
const WHOLE = 1 << 20

export async function get(ctx: CasContext, d: Digest): Promise<Uint8Array> {
  const stored = await lookup(ctx, d, (loc) => readPacked(ctx, d, loc), () => readLoose(ctx, d).catch(absent))
  if (!stored) throw notFound(d)
  return decodeWhole(ctx, d, stored)
}

export async function* getStream(ctx: CasContext, d: Digest): AsyncGenerator<Uint8Array> {
  const blob = await lookup<StoredBlob>(ctx, d, async (loc) => wholeBlob(d, await readPacked(ctx, d, loc)), () => openLoose(ctx, d, WHOLE).catch(absent))
  if (!blob) throw notFound(d)
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
  const s = await lookup(ctx, d, (loc) => statPacked(ctx, d, loc), () => statLoose(ctx, d))
  return s && { digest: d, size: s.header.size, stored: s.stored, encoding: s.header.encoding }
}

export async function has(ctx: CasContext, d: Digest): Promise<boolean> {
  return (await lookup(ctx, d, async () => true, async () => ((await hasLoose(ctx, d)) ? true : undefined))) ?? false
}

/**
 * `packed` for the copy in a pack, else `loose` (undefined when there is no loose file), else
 * `packed` after packs/ is read again; undefined when the blob is nowhere.
 */
export async function lookup<T>(ctx: CasContext, d: Digest, packed: (loc: Located) => Promise<T>, loose: () => Promise<T | undefined>): Promise<T | undefined> {
  const hex = hexOf(d)
  await ctx.packs.ready()
  const inPack = async (): Promise<T | undefined> => {
    const loc = ctx.packs.find(hex)
    if (!loc) return undefined
    try {
      return await packed(loc)
    } catch (e) {
      if (!(e instanceof PackGone)) throw e
      ctx.packs.drop([e.pack])
      return undefined
    }
  }
  return (await inPack()) ?? (await loose()) ?? (await ctx.packs.refresh().then(inPack))
}

/** A packed blob as readBlobLoose's StoredBlob: always whole (packed blobs are small). */
function wholeBlob(d: Digest, stored: Uint8Array): StoredBlob {
  return {
    header: parseHeader(d, stored),
    stored: stored.length,
    whole: stored,
    payload: () => (async function* () {})(),
    close: async () => {},
  }
}

const absent = (e: unknown): undefined => {
  if (isStoreError(e, Codes.BLOB_NOT_FOUND)) return undefined
  throw e
}

/** Stored bytes (header included) decoded in one call, verified. */
export async function decodeWhole(ctx: CasContext, d: Digest, stored: Uint8Array): Promise<Uint8Array> {
  parseHeader(d, stored) // an unreadable header is this blob's corruption, not the codec's
  let data: Uint8Array
  try {
    data = await ctx.codec.decode(stored, ctx.bases)
  } catch (e) {
    throw asCorrupt(d, e)
  }
  if (ctx.hash.sha256(data) !== d) throw corrupt(d, 'content does not match its digest')
  return data
}

/**
 * decodeWhole() of several blobs at once (the codec decodes neighbouring zstd blobs in one
 * call), each settled on its own: its content, or its error naming its digest.
 */
export async function decodeWholeMany(ctx: CasContext, ds: Digest[], stored: Uint8Array[]): Promise<(Uint8Array | Error)[]> {
  const out = await ctx.codec.decodeMany(stored, ctx.bases)
  for (let i = 0; i < ds.length; i++) {
    const r = out[i]
    if (!(r instanceof Uint8Array)) {
      // An unreadable header is the blob's corruption, as in decodeWhole().
      try {
        parseHeader(ds[i], stored[i])
        out[i] = asCorrupt(ds[i], r) as Error
      } catch (e) {
        out[i] = e as Error
      }
    } else if (ctx.hash.sha256(r) !== ds[i]) out[i] = corrupt(ds[i], 'content does not match its digest')
  }
  return out
}

/** A decoder's BLOB_CORRUPT, named by the digest; anything else (BAD_CODEC, IO_ERROR) as it is. */
function asCorrupt(d: Digest, e: unknown): unknown {
  if (isStoreError(e, Codes.BLOB_CORRUPT) && e.data.digest === undefined) return corrupt(d, e.message, e)
  return e
}
