// The WebAssembly core and the TypeScript reference cut at identical points on every input.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadChunker, type ChunkerImpl } from '../../lib/chunk/index.js'
import { arbInput, arbOptions, arbSplits, randomBytes, splitAt } from './_data.js'

function streamed(impl: ChunkerImpl, parts: Uint8Array[], opts: { min: number; avg: number; max: number }): number[] {
  const c = impl.create(opts)
  const out: number[] = []
  for (const p of parts) out.push(...c.push(p).map((x) => x.length))
  out.push(...c.end().map((x) => x.length))
  return out
}

describe('wasm and ts chunkers', () => {
  it('cut identically on random, zero-run, low-entropy and patterned data, any options, any pushes', async () => {
    const [wasm, ts] = await Promise.all([loadChunker('wasm'), loadChunker('ts')])
    fc.assert(
      fc.property(arbInput(60_000), arbOptions, arbSplits, arbSplits, (data, opts, splitsA, splitsB) => {
        const reference = ts.cuts(data, opts)
        expect(wasm.cuts(data, opts)).toEqual(reference)
        expect(streamed(wasm, splitAt(data, splitsA), opts)).toEqual(reference)
        expect(streamed(ts, splitAt(data, splitsB), opts)).toEqual(reference)
      }),
      { numRuns: 150 },
    )
  })

  it('cut identically with the default options on a few MiB, across the 256 KiB wasm window', async () => {
    const [wasm, ts] = await Promise.all([loadChunker('wasm'), loadChunker('ts')])
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), arbSplits, (seed, splits) => {
        const data = randomBytes(3 << 20, seed)
        const reference = ts.cuts(data)
        expect(reference.length).toBeGreaterThan(20)
        expect(streamed(wasm, splitAt(data, splits), { min: 16384, avg: 65536, max: 262144 })).toEqual(reference)
      }),
      { numRuns: 6 },
    )
  })

  it('agree at the extremes of the option range', async () => {
    const [wasm, ts] = await Promise.all([loadChunker('wasm'), loadChunker('ts')])
    const data = randomBytes(3 << 20, 3)
    const huge = { min: 1 << 20, avg: 1 << 28, max: 1 << 30 }
    expect(wasm.cuts(data, huge)).toEqual([3 << 20])
    expect(ts.cuts(data, huge)).toEqual([3 << 20])
    const tiny = { min: 64, avg: 256, max: 257 }
    const cuts = ts.cuts(data, tiny)
    expect(cuts.length).toBeGreaterThan(data.length / 257)
    expect(wasm.cuts(data, tiny)).toEqual(cuts)
  })
})
