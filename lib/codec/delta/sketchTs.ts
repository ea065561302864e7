// The plain TypeScript sketch, the reference the WebAssembly core is held to (same features on
// every input, property-tested). u64 gear arithmetic in int32 halves with the carry from sign
// bits, as lib/chunk/ts.ts does; the rare sample path runs the FEATURES transforms.

import { ADD, MULT, SAMPLE_MASK_HI, SKETCH_GEAR } from './_tables.js'
import { FEATURES, type Sketch, type Sketcher } from './types.js'

/** Folds the samples of `data` into `f` (features so far), from hash state `st` [hi, lo]. */
export function scanTs(data: Uint8Array, f: Uint32Array, st: Int32Array): void {
  const G = SKETCH_GEAR
  let hi = st[0]
  let lo = st[1]
  for (let p = 0; p < data.length; p++) {
    const b = data[p] << 1
    const g = G[b]
    const a = lo << 1
    const nlo = (a + g) | 0
    hi = (((hi << 1) | (lo >>> 31)) + G[b + 1] + (((a & g) | ((a | g) & ~nlo)) >>> 31)) | 0
    lo = nlo
    if ((hi & SAMPLE_MASK_HI) === 0) {
      const x = (lo ^ hi) | 0
      for (let k = 0; k < FEATURES; k++) {
        const v = (Math.imul(x, MULT[k]) + ADD[k]) >>> 0
        if (v > f[k]) f[k] = v
      }
    }
  }
  st[0] = hi
  st[1] = lo
}

export const tsSketcher: Sketcher = {
  name: 'ts',
  sketch(chunk: Uint8Array): Sketch {
    const f = new Uint32Array(FEATURES)
    scanTs(chunk, f, new Int32Array(2))
    return f
  },
}
