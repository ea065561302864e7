// Writing deltas, natively: zstd with the base as a raw-content dictionary needs node:zlib (the
// portable WebAssembly zstd has no dictionary API), so only this backend writes deltas; every
// backend reads them (decode.ts). Loaded by dynamic import, so lib/codec/delta stays free of node:.
// This is the one-chunk form, on the calling thread (tests, benches); an import's chunks are
// encoded on worker threads by codec.encodeMany (its `bases`), batched with the chunks stored
// whole, from the same encoder as source (lib/codec/_compressOps.ts). A message per delta had
// cost more than it saved (/usr/share: 17.0 s and 594 MB against 14.8 s and 419 MB).

import * as zlib from 'node:zlib'
import { DELTA_HEAD, deltaHeadAgainst } from './format.js'
import { zstdPrefix, type NodeZstd } from './_zstdFrame.js'
import { DELTA_LEVEL, type DeltaBase } from './types.js'

const zp = zstdPrefix()

/**
 * The stored blob (header included) of `data` as a delta against `base`, or undefined when it
 * cannot be one: too large, a base already at the depth bound, a base zstd would parse as a
 * dictionary, or an encoding that did not decode back (checked on every delta).
 */
export function encodeDelta(data: Uint8Array, base: DeltaBase, level = DELTA_LEVEL): Uint8Array | undefined {
  const head = deltaHeadAgainst(data.length, base)
  const blocks = head && zp.encode(zlib as unknown as NodeZstd, data, base.content, level)
  if (!head || !blocks) return undefined
  const out = new Uint8Array(DELTA_HEAD + blocks.length)
  out.set(head)
  out.set(blocks, DELTA_HEAD)
  return out
}
