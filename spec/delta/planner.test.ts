// The planner: a new chunk gets the best stored candidate as its base, skipping one at the
// depth bound and one whose blob is gone; written chunks become candidates.

import { describe, expect, it } from 'vitest'
import { MAX_DEPTH, compareWithWhole, createPlanner, loadSketcher } from '../../lib/delta/index.js'
import { openResemblanceIndex } from '../../lib/delta/resemblanceIndex.js'
import type { Digest } from '../../lib/digest/digest.js'
import { edited, sha, textLike, withDir } from './_data.js'

describe('delta planner', () => {
  withDir('picks the stored chunk an edited copy resembles, under the bound, still there', async ({ dir }) => {
    const sketcher = await loadSketcher()
    const index = await openResemblanceIndex(dir)
    const stored = new Map<Digest, { content: Uint8Array; depth: number }>()
    const planner = createPlanner({ sketcher, index, base: async (d) => stored.get(d) })
    const v1 = textLike(65536, 1)
    const p1 = await planner.plan(v1)
    expect(p1.base).toBeUndefined()
    stored.set(sha(v1), { content: v1, depth: 0 })
    planner.written(sha(v1), p1, 0)

    const v2 = edited(v1, 2)
    const p2 = await planner.plan(v2)
    expect(p2.base?.digest).toBe(sha(v1))
    expect(p2.base?.depth).toBe(0)

    // v2 written at the bound: v3 (closer to v2) must still get v1.
    stored.set(sha(v2), { content: v2, depth: MAX_DEPTH })
    planner.written(sha(v2), p2, MAX_DEPTH)
    const v3 = edited(v2, 3)
    expect((await planner.plan(v3)).base?.digest).toBe(sha(v1))

    // v1 collected since: no base (v2 is at the bound).
    stored.delete(sha(v1))
    expect((await planner.plan(v3)).base).toBeUndefined()
    await index.close()
  })

  it('compares a delta with the whole chunk only when it saved less than 3/4', () => {
    expect(compareWithWhole(1000, 65536)).toBe(false)
    expect(compareWithWhole(20_000, 65536)).toBe(true)
  })
})
