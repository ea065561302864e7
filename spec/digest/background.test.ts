// The background hasher (native backend): the digest of a stream hashed in a worker equals the
// one-shot digest of the same bytes, whatever the piece sizes (pieces straddle its 2 MiB
// segments, and more than its segments are in flight at once); a stream under one segment is
// hashed on the calling thread, starting no thread.

import { afterAll, expect, test } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { seededBytes } from '../_fixtures/seeded.js'
import { loadHashBackend } from '../../lib/digest/index.js'
import { WorkerPools } from '../../lib/_workerPool.js'

const workers = new WorkerPools()
afterAll(() => workers.close())

test('digest of the pieces equals the digest of the whole, for any split', async () => {
  const native = await loadHashBackend('native')
  const data = seededBytes(9 << 20)
  const want = `sha256:${createHash('sha256').update(data).digest('hex')}`
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 << 20 }), { minLength: 1, maxLength: 12 }), async (cuts) => {
      const h = native.background!(workers)
      let at = 0
      for (const c of [...cuts, data.length]) {
        const end = Math.min(data.length, at + c)
        const wait = h.update(data.subarray(at, end))
        if (wait) await wait
        at = end
      }
      expect(await h.digest()).toBe(want)
    }),
    { numRuns: 15, seed: 42 },
  )
})

test('an empty stream has the empty digest', async () => {
  const native = await loadHashBackend('native')
  expect(await native.background!(workers).digest()).toBe(native.sha256(new Uint8Array(0)))
})

test('a stream of at most one segment (2 MiB) is hashed on the calling thread, the same digest', async () => {
  const native = await loadHashBackend('native')
  const own = new WorkerPools()
  try {
    for (const n of [1, 70_000, (2 << 20) - 1]) {
      const data = seededBytes(n)
      const h = native.background!(own)
      expect(h.update(data.subarray(0, n >> 1))).toBeUndefined()
      expect(h.update(data.subarray(n >> 1))).toBeUndefined()
      expect(await h.digest()).toBe(native.sha256(data))
    }
    expect(own.threads().sha256).toBe(0)
    // A segment filled is hashed on the thread.
    const h = native.background!(own)
    h.update(seededBytes(2 << 20))
    await h.digest()
    expect(own.threads().sha256).toBe(1)
  } finally {
    await own.close()
  }
})
