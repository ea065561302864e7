// One contract suite, run for each chunker implementation.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_CHUNKER_OPTIONS, loadChunker, type ChunkerImpl, type ChunkerImplName } from '../../lib/chunk/index.js'
import { arbInput, arbOptions, arbSplits, concat, randomBytes, sameBytes, splitAt } from './_data.js'

function pushAll(impl: ChunkerImpl, parts: Uint8Array[], opts?: Parameters<ChunkerImpl['create']>[0]): Uint8Array[] {
  const c = impl.create(opts)
  const out: Uint8Array[] = []
  for (const p of parts) out.push(...c.push(p))
  out.push(...c.end())
  return out
}

for (const name of ['wasm', 'ts'] as ChunkerImplName[]) {
  describe(`chunker "${name}"`, () => {
    const load = () => loadChunker(name)

    it('is the implementation it was asked for', async () => {
      expect((await load()).name).toBe(name)
    })

    it('gives no chunk for empty input, and ignores empty pushes', async () => {
      const impl = await load()
      expect(impl.cuts(new Uint8Array(0))).toEqual([])
      const c = impl.create()
      expect(c.push(new Uint8Array(0))).toEqual([])
      expect(c.end()).toEqual([])
    })

    it('returns input shorter than min as one chunk', async () => {
      const impl = await load()
      expect(impl.cuts(randomBytes(1000, 7))).toEqual([1000])
      expect(impl.cuts(randomBytes(1, 7))).toEqual([1])
    })

    it('keeps every chunk within [min, max] except the last, and the chunks concatenate to the input', async () => {
      const impl = await load()
      fc.assert(
        fc.property(arbInput(40_000), arbOptions, arbSplits, (data, opts, splits) => {
          const chunks = pushAll(impl, splitAt(data, splits), opts)
          expect(sameBytes(concat(chunks), data)).toBe(true)
          const bad = chunks.findIndex((ch, i) => ch.length > opts.max || ch.length <= (i < chunks.length - 1 ? opts.min : 0))
          expect(bad).toBe(-1)
        }),
        { numRuns: 60 },
      )
    })

    it('cuts at the same points however the input is split into pushes', async () => {
      const impl = await load()
      fc.assert(
        fc.property(arbInput(40_000), arbOptions, arbSplits, (data, opts, splits) => {
          const whole = impl.cuts(data, opts)
          expect(pushAll(impl, splitAt(data, splits), opts).map((c) => c.length)).toEqual(whole)
        }),
        { numRuns: 60 },
      )
    })

    it('cuts at the same points when fed a few bytes at a time', async () => {
      const impl = await load()
      const opts = { min: 64, avg: 256, max: 1024 }
      const data = randomBytes(20_000, 99)
      const parts: Uint8Array[] = []
      for (let o = 0, k = 1; o < data.length; o += k, k = (k * 7 + 3) % 97) parts.push(data.subarray(o, o + k))
      expect(pushAll(impl, parts, opts).map((c) => c.length)).toEqual(impl.cuts(data, opts))
    })

    it('averages near the target size on random data with the defaults', async () => {
      const impl = await load()
      const data = randomBytes(16 << 20, 1234)
      const cuts = impl.cuts(data)
      const mean = data.length / cuts.length
      // Normalized chunking level 2 lands a little above avg (measured ~75 KiB for 64 KiB).
      expect(mean).toBeGreaterThan(DEFAULT_CHUNKER_OPTIONS.avg * 0.9)
      expect(mean).toBeLessThan(DEFAULT_CHUNKER_OPTIONS.avg * 1.4)
      // The distribution is content-defined, not a fixed size: many distinct lengths.
      expect(new Set(cuts).size).toBeGreaterThan(cuts.length * 0.9)
    })

    it('cuts a run of zeros at a fixed period, and at max when the mask never matches', async () => {
      const impl = await load()
      const cuts = impl.cuts(new Uint8Array(3 << 20))
      const body = cuts.slice(0, -1)
      expect(new Set(body).size).toBe(1) // constant hash after 64 bytes: same decision every chunk
      for (const l of body) expect(l).toBeLessThanOrEqual(DEFAULT_CHUNKER_OPTIONS.max)
    })

    it('returns a subarray of the pushed buffer for a chunk inside one push, a copy for one spanning pushes', async () => {
      const impl = await load()
      const opts = { min: 64, avg: 256, max: 1024 }
      const data = randomBytes(8192, 5)
      const c = impl.create(opts)
      const first = c.push(data.subarray(0, 4000))
      expect(first.length).toBeGreaterThan(1)
      for (const ch of first) expect(ch.buffer).toBe(data.buffer)
      const second = c.push(data.subarray(4000))
      const spanning = second[0]
      expect(spanning.buffer).not.toBe(data.buffer)
      const rest = [...second, ...c.end()]
      expect(sameBytes(concat([...first, ...rest]), data)).toBe(true)
    })

    it('can be used again after end()', async () => {
      const impl = await load()
      const opts = { min: 64, avg: 256, max: 1024 }
      const a = randomBytes(5000, 1)
      const b = randomBytes(7000, 2)
      const c = impl.create(opts)
      const first = [...c.push(a), ...c.end()].map((x) => x.length)
      const second = [...c.push(b), ...c.end()].map((x) => x.length)
      expect(first).toEqual(impl.cuts(a, opts))
      expect(second).toEqual(impl.cuts(b, opts))
    })

    it('keeps chunkers apart when their pushes interleave', async () => {
      const impl = await load()
      const opts = { min: 64, avg: 512, max: 2048 }
      const a = randomBytes(60_000, 11)
      const b = randomBytes(60_000, 12)
      const ca = impl.create(opts)
      const cb = impl.create(opts)
      const outA: number[] = []
      const outB: number[] = []
      for (let o = 0; o < 60_000; o += 3001) {
        outA.push(...ca.push(a.subarray(o, o + 3001)).map((x) => x.length))
        outB.push(...cb.push(b.subarray(o, o + 3001)).map((x) => x.length))
      }
      outA.push(...ca.end().map((x) => x.length))
      outB.push(...cb.end().map((x) => x.length))
      expect(outA).toEqual(impl.cuts(a, opts))
      expect(outB).toEqual(impl.cuts(b, opts))
    })
  })
}
