// The planner: a new chunk gets the best candidate as its base, skipping one at the depth
// bound and one whose blob is gone; chunks of its own batch are bases from its window.

import { describe, expect, it } from 'vitest'
import { MAX_DEPTH, compareWithWhole, createPlanner, loadSketcher } from '../../lib/codec/delta/index.js'
import { openResemblanceIndex } from '../../lib/codec/delta/resemblanceIndex.js'
import type { Digest } from '../../lib/digest/digest.js'
import { edited, sha, textLike, withDir } from './_data.js'

type Stored = Map<Digest, { content: Uint8Array; depth: number }>

describe('delta planner', () => {
  withDir('picks the stored chunk an edited copy resembles, under the bound, still there', async ({ dir }) => {
    const sketcher = await loadSketcher()
    const index = await openResemblanceIndex(dir)
    const stored: Stored = new Map()
    const batch = () => createPlanner({ sketcher, index, base: async (d) => stored.get(d) })
    const v1 = textLike(65536, 1)
    const first = batch()
    const p1 = await first.plan(v1)
    expect(p1.base).toBeUndefined()
    first.written(sha(v1), p1, 0, v1)
    await first.flush()
    stored.set(sha(v1), { content: v1, depth: 0 })

    const second = batch()
    const v2 = edited(v1, 2)
    const p2 = await second.plan(v2)
    expect(p2.base?.digest).toBe(sha(v1))
    expect(p2.base?.depth).toBe(0)
    // v2 written at the bound: v3 (closer to v2) must still get v1.
    second.written(sha(v2), p2, MAX_DEPTH, v2)
    const v3 = edited(v2, 3)
    expect((await second.plan(v3)).base?.digest).toBe(sha(v1))
    // v1 collected since: no base (v2 is at the bound).
    stored.delete(sha(v1))
    expect((await second.plan(v3)).base).toBeUndefined()
    await index.close()
  })

  withDir("finds its own batch's chunks from its window, and only the last `window` bytes of them", async ({ dir }) => {
    const sketcher = await loadSketcher()
    const index = await openResemblanceIndex(dir)
    const planner = createPlanner({ sketcher, index, base: async () => undefined, window: 3 * 65536 })
    const chunks = Array.from({ length: 5 }, (_, i) => textLike(65536, 10 + i))
    for (const c of chunks) planner.written(sha(c), await planner.plan(c), 0, c)
    expect((await planner.plan(edited(chunks[4], 1))).base?.digest).toBe(sha(chunks[4]))
    expect((await planner.plan(edited(chunks[2], 1))).base?.digest).toBe(sha(chunks[2]))
    expect((await planner.plan(edited(chunks[1], 1))).base).toBeUndefined() // out of the window, not committed
    await index.close()
  })

  it('compares a delta with the whole chunk only when it saved less than 3/4', () => {
    expect(compareWithWhole(1000, 65536)).toBe(false)
    expect(compareWithWhole(20_000, 65536)).toBe(true)
  })
})
