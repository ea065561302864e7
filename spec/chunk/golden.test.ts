// Cut points are part of the store's format: chunks stored by one version must be found again
// by the next, or deduplication silently stops working. These values pin the gear table, the
// masks and the cut rule; a change here is a format change.

import { describe, expect, it } from 'vitest'
import { GEAR32 } from '../../lib/chunk/_gear.js'
import { loadChunker, resolveChunkerOptions } from '../../lib/chunk/index.js'
import { randomBytes } from './_data.js'

const u64 = (i: number) => ((BigInt(GEAR32[2 * i + 1] >>> 0) << 32n) | BigInt(GEAR32[2 * i] >>> 0)).toString(16)

describe('chunker format', () => {
  it('takes its gear table from splitmix64 seeded with "FastCDC\\0"', () => {
    // First outputs of splitmix64(0x4661737443444300), computed independently (Python).
    expect(u64(0)).toBe('6e49170625ab9da6')
    expect(GEAR32.length).toBe(512)
  })

  it('spreads log2(avg)±2 mask bits over bits 13..60', () => {
    const o = resolveChunkerOptions({})
    const bits = (m: { hi: number; lo: number }) => (BigInt(m.hi) << 32n) | BigInt(m.lo)
    const pop = (x: bigint) => x.toString(2).split('').filter((c) => c === '1').length
    expect(pop(bits(o.maskS))).toBe(18)
    expect(pop(bits(o.maskL))).toBe(14)
    expect(bits(o.maskS).toString(16)).toBe('1494949494948000')
    expect(bits(o.maskL).toString(16)).toBe('1244891244890000')
  })

  for (const name of ['wasm', 'ts'] as const) {
    it(`${name} cuts a fixed input where it always has`, async () => {
      const impl = await loadChunker(name)
      expect(impl.cuts(randomBytes(1 << 20, 1))).toEqual([
        73424, 71807, 71682, 71347, 60792, 85469, 65592, 69289, 44943, 89267, 26753, 83695, 88114, 44214, 70944, 31244,
      ])
      expect(impl.cuts(randomBytes(4096, 2), { min: 64, avg: 256, max: 1024 })).toEqual([
        249, 116, 259, 272, 320, 260, 496, 314, 279, 367, 302, 83, 271, 291, 67, 150,
      ])
    })
  }
})
