// Reading a delta: its chain resolved down to a chunk stored whole, then rebuilt upward.
//
//   1. walk down: read each base's stored bytes by digest; a base must be stored at a depth
//      below its delta's (so the walk ends after at most MAX_DEPTH reads, whatever the store
//      holds: a cycle or a deeper chain is refused, never followed). A store may hold two
//      copies of a chunk, each a delta against the other's (two imports at once): the store
//      is asked for a copy under the depth, and the shallower copy it has is the one read;
//   2. decode the bottom with the codec and verify its digest, as every read does;
//   3. apply each delta upward (one plain zstd frame each, _zstdFrame.ts), verifying each
//      rebuilt base. The top is verified by the caller, the content store's read.
// With a cache (baseCache.ts), the walk stops at the first base held there, and every base
// rebuilt or decoded on the way goes in: reading a series in order decodes each chunk once.
// Errors are BLOB_CORRUPT naming the digests involved (the caller adds the top's own).

import { Codes, isStoreError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { corrupt, deltaRef, parseDelta, type ParsedDelta } from './format.js'
import { zstdPrefix } from './_zstdFrame.js'
import type { DeltaBases } from './types.js'

/** What decoding needs of the codec backend. */
export interface ChainCodec {
  /** Decodes a stored blob that is not a delta. */
  plain(stored: Uint8Array): Promise<Uint8Array>
  /** A plain zstd frame to its content, at most `size` bytes. */
  unzstd(frame: Uint8Array, size: number): Promise<Uint8Array>
}

const zp = zstdPrefix()

/** The content of a stored delta blob. */
export async function decodeDelta(stored: Uint8Array, bases: DeltaBases, codec: ChainCodec): Promise<Uint8Array> {
  // chain[i] is stored at digest chain[i - 1].base (chain[0] is the caller's blob).
  const chain: ParsedDelta[] = [parseDelta(stored)]
  let content: Uint8Array | undefined
  while (content === undefined) {
    const top = chain[chain.length - 1]
    content = bases.cache?.get(top.base)
    if (content) break
    const of = chain.length === 1 ? 'its' : `${chain[chain.length - 2].base}'s`
    const s = await readBase(bases, top.base, of, top.depth)
    let ref
    try {
      ref = deltaRef(s)
    } catch (e) {
      throw named(e, `${of} delta base ${top.base}`)
    }
    const depth = ref?.depth ?? 0
    if (depth >= top.depth) {
      throw corrupt(`${of} delta base ${top.base} is stored at depth ${depth}, not below ${top.depth}`, { base: top.base })
    }
    if (ref) chain.push(parseDelta(s))
    else {
      content = verified(bases, top.base, await decodeOr(() => codec.plain(s), `${of} delta base ${top.base}`))
      bases.cache?.set(top.base, content)
    }
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const d = chain[i]
    const name = i === 0 ? 'the delta' : `delta ${chain[i - 1].base}`
    if (content.length !== d.baseSize) {
      throw corrupt(`${name} expects a base of ${d.baseSize} bytes, ${d.base} has ${content.length}`, { base: d.base })
    }
    const out = await decodeOr(() => codec.unzstd(zp.frameWith(content!, d.blocks, d.size), d.baseSize + d.size), name)
    if (out.length !== d.baseSize + d.size) throw corrupt(`${name} decodes to ${out.length - d.baseSize} bytes, header says ${d.size}`)
    // Copied out: a view would keep its base alive (in the cache, or cloned whole to a worker).
    content = out.slice(d.baseSize)
    if (i === 0) break
    bases.cache?.set(chain[i - 1].base, verified(bases, chain[i - 1].base, content))
  }
  return content
}

async function readBase(bases: DeltaBases, d: Digest, of: string, below: number): Promise<Uint8Array> {
  try {
    return await bases.readStored(d, below)
  } catch (e) {
    if (isStoreError(e, Codes.BLOB_NOT_FOUND)) throw corrupt(`${of} delta base ${d} is missing`, { base: d })
    throw e // IO_ERROR and the like are what they are
  }
}

function verified(bases: DeltaBases, d: Digest, data: Uint8Array): Uint8Array {
  if (bases.sha256(data) !== d) throw corrupt(`delta base ${d} does not match its digest`, { base: d })
  return data
}

async function decodeOr(f: () => Promise<Uint8Array>, what: string): Promise<Uint8Array> {
  try {
    return await f()
  } catch (e) {
    throw named(e, what)
  }
}

/** A decoder's failure, said as corruption of `what`; BAD_CODEC and I/O errors pass as they are. */
function named(e: unknown, what: string): unknown {
  if (isStoreError(e) && e.code !== Codes.BLOB_CORRUPT) return e
  return corrupt(`${what}: ${(e as Error).message}`, isStoreError(e) ? e.data : {})
}
