// Writing deltas, natively: zstd with the base as a raw-content dictionary needs node:zlib (the
// portable WebAssembly zstd has no dictionary API), so only this backend writes deltas; every
// backend reads them (decode.ts). Loaded by dynamic import, so lib/codec/delta stays free of node:.
// This is the one-chunk form, on the calling thread (tests, benches); an import's chunks are
// encoded on worker threads by codec.encodeMany (its `bases`), batched with the chunks stored
// whole, from the same encoder as source (lib/codec/_compressOps.ts). A message per delta had
// cost more than it saved (/usr/share: 17.0 s and 594 MB against 14.8 s and 419 MB).

import * as zlib from 'node:zlib'
import { DELTA_HEAD, encodeDeltaHead } from './format.js'
import { zstdPrefix, type NodeZstd } from './_zstdFrame.js'
import { DELTA_LEVEL, MAX_DEPTH, MAX_DELTA_SIZE, type DeltaBase } from './types.js'

export { DELTA_LEVEL }

const zp = zstdPrefix()

/** Whether `data` may be stored against `base` at all. */
const eligible = (data: Uint8Array, base: DeltaBase): boolean => data.length <= MAX_DELTA_SIZE && base.depth < MAX_DEPTH

function blob(data: Uint8Array, base: DeltaBase, blocks: Uint8Array): Uint8Array {
  const out = new Uint8Array(DELTA_HEAD + blocks.length)
  out.set(encodeDeltaHead(data.length, { base: base.digest, depth: base.depth + 1, baseSize: base.content.length }))
  out.set(blocks, DELTA_HEAD)
  return out
}

/**
 * The stored blob (header included) of `data` as a delta against `base`, or undefined when it
 * cannot be one: too large, a base already at the depth bound, a base zstd would parse as a
 * dictionary, or an encoding that did not decode back (checked on every delta).
 */
export function encodeDelta(data: Uint8Array, base: DeltaBase, level = DELTA_LEVEL): Uint8Array | undefined {
  if (!eligible(data, base)) return undefined
  const blocks = zp.encode(zlib as unknown as NodeZstd, data, base.content, level)
  return blocks ? blob(data, base, blocks) : undefined
}
