// Writing deltas, natively: zstd with the base as a raw-content dictionary needs node:zlib (the
// portable WebAssembly zstd has no dictionary API), so only this backend writes deltas; every
// backend reads them (decode.ts). Loaded by dynamic import, so lib/codec/delta stays free of node:.
// encodeChunk() is the write path's: the delta on the calling thread (the base is there: on
// worker threads with a copy of chunk and base per message, an import of /usr/share took 17.0 s
// and 594 MB against 14.8 s and 419 MB, one run each), the whole chunk it is compared with by
// `whole` (a chunk batch sends it to the worker threads with the chunks stored whole).

import * as zlib from 'node:zlib'
import type { Codec } from '../types.js'
import { DELTA_HEAD, encodeDeltaHead } from './format.js'
import { compareWithWhole, type DeltaPlan } from './planner.js'
import { zstdPrefix, type NodeZstd } from './_zstdFrame.js'
import { MAX_DEPTH, MAX_DELTA_SIZE, type DeltaBase } from './types.js'

/**
 * zstd level of delta blocks. Level 3 as for whole chunks: on the 984 deltas of prettier's 10
 * minor releases level 9 stored 10 % less at half the speed (bench/delta: 5.10 against 5.69 MB,
 * 49 against 101 MB/s); deltas are most of what a version series writes, so their encode
 * speed is the import's.
 */
export const DELTA_LEVEL = 3

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

/**
 * A new chunk as the write path stores it: a delta against the plan's base where there is one
 * (compared with the whole chunk only when compareWithWhole says so), else whole, through the
 * codec. The portable codec writes whole chunks only. Returns the stored bytes and their depth.
 */
export async function encodeChunk(
  codec: Codec,
  data: Uint8Array,
  plan?: DeltaPlan,
  whole: (data: Uint8Array) => Promise<Uint8Array> = (d) => codec.encode(d),
): Promise<{ stored: Uint8Array; depth: number }> {
  const base = plan?.base
  if (base && codec.name === 'zlib' && eligible(data, base)) {
    const blocks = zp.encode(zlib as unknown as NodeZstd, data, base.content, DELTA_LEVEL)
    if (blocks) {
      const size = DELTA_HEAD + blocks.length
      const alone = compareWithWhole(size, data.length) ? await whole(data) : undefined
      if (!alone || size < alone.length) return { stored: blob(data, base, blocks), depth: base.depth + 1 }
      return { stored: alone, depth: 0 }
    }
  }
  return { stored: await whole(data), depth: 0 }
}
