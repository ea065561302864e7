// Writing deltas, natively: zstd with the base as a raw-content dictionary needs node:zlib (the
// portable WebAssembly zstd has no dictionary API), so only this backend writes deltas; every
// backend reads them (decode.ts). Loaded by dynamic import, so lib/delta stays free of node:.
// The put worker runs the same encoder from its source text (_zstdFrame.ts's ZSTD_PREFIX_SOURCE).

import * as zlib from 'node:zlib'
import { DELTA_HEAD, encodeDeltaHead } from './format.js'
import { zstdPrefix, type NodeZstd } from './_zstdFrame.js'
import { MAX_DEPTH, MAX_DELTA_SIZE, type DeltaBase } from './types.js'

/**
 * zstd level of delta blocks. Level 3 as for whole chunks: on prettier's 10 minor releases
 * level 9 stored 6 % less at a third of the speed (bench/delta); deltas are most of what a
 * version series writes, so their encode speed is the import's.
 */
export const DELTA_LEVEL = 3

const zp = zstdPrefix()

/**
 * The stored blob (header included) of `data` as a delta against `base`, or undefined when it
 * cannot be one: too large, a base already at the depth bound, a base zstd would parse as a
 * dictionary, or an encoding that did not decode back (checked on every delta).
 */
export function encodeDelta(data: Uint8Array, base: DeltaBase, level = DELTA_LEVEL): Uint8Array | undefined {
  if (data.length > MAX_DELTA_SIZE || base.depth >= MAX_DEPTH) return undefined
  const blocks = zp.encode(zlib as unknown as NodeZstd, data, base.content, level)
  if (!blocks) return undefined
  const out = new Uint8Array(DELTA_HEAD + blocks.length)
  out.set(encodeDeltaHead(data.length, { base: base.digest, depth: base.depth + 1, baseSize: base.content.length }))
  out.set(blocks, DELTA_HEAD)
  return out
}
