// The one source of truth for the sketch: its gear table, sample mask and feature transforms.
// Both implementations (TypeScript and WebAssembly) read these values, so they cannot drift.
//
// Hash: the chunker's 64-bit gear, h = (h << 1) + GEAR[byte], over a table of its own (a table
// shared with the chunker would make samples cluster at cut points, whose mask bits are zero
// too). A position is a sample when bits 53..60 of h are zero (1 in 256 positions: 1/64
// measured no better on prettier or eslint, bench/delta); those bits depend on the last 54–61
// bytes only, so samples are content-defined and survive insertions. At a sample, x = lo ^ hi
// (32 bits) and feature k is the maximum over samples of (x * MULT[k] + ADD[k]) mod 2^32.

import { FEATURES } from './types.js'

/** Sample mask on the high half: bits 53..60 of the 64-bit hash. */
export const SAMPLE_MASK_HI = 0x1fe00000

/** xorshift32 from a fixed seed: a well-mixed, reproducible stream of 32-bit words. */
function words(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    out[i] = s
  }
  return out
}

/** The 256 gear values as interleaved int32 halves [lo0, hi0, lo1, hi1, …], as the chunker's. */
export const SKETCH_GEAR: Int32Array = new Int32Array(words(512, 0x736b6574).buffer) // seed: "sket"

const tw = words(2 * FEATURES, 0x66656174) // seed: "feat"
/** Odd multipliers (a bijection mod 2^32) and addends of the feature transforms. */
export const MULT: Uint32Array = Uint32Array.from({ length: FEATURES }, (_, k) => tw[2 * k] | 1)
export const ADD: Uint32Array = Uint32Array.from({ length: FEATURES }, (_, k) => tw[2 * k + 1])

/** The gear table as 256 little-endian u64 (2048 bytes), the layout WebAssembly loads. */
export function sketchGearBytes(): Uint8Array {
  const out = new Uint8Array(256 * 8)
  const v = new DataView(out.buffer)
  for (let i = 0; i < 256; i++) {
    v.setUint32(i * 8, SKETCH_GEAR[2 * i] >>> 0, true)
    v.setUint32(i * 8 + 4, SKETCH_GEAR[2 * i + 1] >>> 0, true)
  }
  return out
}
