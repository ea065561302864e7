// The point of content-defined chunking: an edit disturbs only the chunks around it.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadChunker } from '../../lib/chunk/index.js'
import { randomBytes } from './_data.js'

const key = (c: Uint8Array) => Buffer.from(c).toString('base64')

describe('content-defined chunking', () => {
  it('shares all but the chunks near an insertion', async () => {
    const impl = await loadChunker()
    const chunksOf = (d: Uint8Array) => {
      const c = impl.create()
      return [...c.push(d), ...c.end()]
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        // max excluded: an insertion at the very end would move the last, end-of-input cut.
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        (seed, where, size) => {
          const data = randomBytes(4 << 20, seed)
          const at = Math.floor(where * data.length)
          const edited = new Uint8Array(data.length + size)
          edited.set(data.subarray(0, at))
          edited.set(randomBytes(size, seed ^ 0x5a5a5a5a), at)
          edited.set(data.subarray(at), at + size)

          const before = chunksOf(data)
          const after = chunksOf(edited)
          // Cuts before the insertion point see only unchanged bytes: identical.
          const prefix = (cs: Uint8Array[]) => {
            const lens: number[] = []
            for (let end = 0, i = 0; i < cs.length && end + cs[i].length <= at; i++) lens.push(cs[i].length), (end += cs[i].length)
            return lens
          }
          expect(prefix(after)).toEqual(prefix(before))
          const old = new Set(before.map(key))
          const fresh = after.filter((ch) => !old.has(key(ch)))
          // An insertion falls in one chunk and may move the next cuts: cut-point skipping (no cut
          // in a chunk's first `min` bytes) can keep the two streams out of phase for a few
          // chunks before they resync (seen: 7 of ~57). Fixed-size chunking would renew every
          // chunk after the insertion; everything else is reused byte for byte.
          expect(fresh.length).toBeGreaterThanOrEqual(1)
          expect(fresh.length).toBeLessThanOrEqual(10)
          expect(after.length - fresh.length).toBeGreaterThanOrEqual(before.length - 10)
        },
      ),
      // A fixed seed: the resync distance is a probability, not a bound; the runs stay the same.
      { numRuns: 8, seed: 0x5eed },
    )
  })

})
