// The resemblance sketch: deterministic, the same from the WebAssembly core and the TypeScript
// reference, and good enough that an edited copy of a chunk finds its original among many.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FEATURES, loadSketcher } from '../../lib/codec/delta/index.js'
import { openResemblanceIndex } from '../../lib/codec/delta/resemblanceIndex.js'
import { arbInput, randomBytes } from '../chunk/_data.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { edited, sha, textLike, withDir } from './_data.js'

describe('sketch', () => {
  it('is deterministic: the same chunk gives the same features, on every call', async () => {
    const s = await loadSketcher()
    const chunk = seededBytes(65536)
    const a = s.sketch(chunk)
    expect(a.length).toBe(FEATURES)
    expect(a.every((f) => f !== 0)).toBe(true) // 64 KiB has ~256 samples: every feature won
    expect(s.sketch(new Uint8Array(chunk))).toEqual(a)
    expect((await loadSketcher('ts')).sketch(chunk)).toEqual(a)
  })

  it('the wasm core and the ts reference agree on any bytes, across the 256 KiB window (property)', async () => {
    const [wasm, ts] = await Promise.all([loadSketcher('wasm'), loadSketcher('ts')])
    fc.assert(
      fc.property(arbInput(20_000), (data) => {
        expect(wasm.sketch(data)).toEqual(ts.sketch(data))
      }),
      { numRuns: 100 },
    )
    const big = randomBytes(600_000, 7)
    expect(wasm.sketch(big)).toEqual(ts.sketch(big))
  })

  it('a chunk too short to hold a sample has no features (nothing is indexed for it)', async () => {
    const s = await loadSketcher()
    expect([...s.sketch(new Uint8Array(0))]).toEqual(new Array(FEATURES).fill(0))
    expect([...s.sketch(new Uint8Array(40))]).toEqual(new Array(FEATURES).fill(0))
  })

  withDir('an edited copy finds its original among 400 unrelated chunks', async ({ dir }) => {
    const s = await loadSketcher()
    const index = await openResemblanceIndex(dir)
    const chunks = Array.from({ length: 400 }, (_, i) => (i % 2 ? seededBytes(65536) : textLike(65536, 1000 + i)))
    for (const c of chunks) index.add(sha(c), s.sketch(c), 0)
    await index.flush()
    let found = 0
    for (const i of [3, 50, 123, 200, 399]) {
      const copy = edited(chunks[i], 77 + i, 12)
      const best = index.lookup(s.sketch(copy))[0]
      if (best?.digest === sha(chunks[i])) found++
    }
    expect(found).toBe(5)
    // And an unrelated chunk finds nothing.
    expect(index.lookup(s.sketch(seededBytes(65536)))).toEqual([])
    await index.close()
  })
})
