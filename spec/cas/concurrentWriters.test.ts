// Two writers on one root at once (two imports): each writes and publishes its own pack; a blob
// both put is stored twice, read from either copy, listed once; each sees the other's packs
// once published (a lookup that misses reads packs/ again).

import { afterEach, beforeEach, expect, test } from 'vitest'
import { createContentStore, type ContentStore } from '../../lib/cas/index.js'
import { loadCodec } from '../../lib/codec/index.js'
import type { Digest } from '../../lib/digest/digest.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'
import { packFiles, storedAt } from '../_fixtures/storedBlob.js'

let t: Awaited<ReturnType<typeof tempStore>>
let a: ContentStore
let b: ContentStore
beforeEach(async () => {
  t = await tempStore()
  const open = async () => createContentStore({ layout: t.store.layout, hash: t.store.hash, codec: await loadCodec() })
  ;[a, b] = [await open(), await open()]
})
afterEach(() => t.cleanup())

test('two batches written and committed at once each publish a pack; both see everything', async () => {
  const shared = seededBytes(20_000, 77)
  const own = (seed: number) => Array.from({ length: 50 }, (_, i) => seededBytes(3000 + i, seed + i))
  const [ba, bb] = [a.chunkBatch(), b.chunkBatch()]
  const [ra, rb] = await Promise.all(
    [[ba, own(1000)], [bb, own(2000)]].map(async ([batch, blobs]) => {
      const rs = await Promise.all([...(blobs as Buffer[]), shared].map((x) => (batch as typeof ba).put(x)))
      return rs
    }),
  )
  await Promise.all([ba.commit(), bb.commit()])
  expect(packFiles(t.store.layout).packs).toHaveLength(2)
  const sharedDigest = ra.at(-1)!.digest
  expect(storedAt(t.store.layout, sharedDigest)).toHaveLength(2) // a copy in each pack: fine
  for (const cas of [a, b]) {
    for (const r of [...ra, ...rb]) expect(await cas.has(r.digest)).toBe(true)
    expect(Buffer.from(await cas.get(sharedDigest)).equals(shared)).toBe(true)
  }
  const walked: Digest[] = []
  for await (const d of a.walk()) walked.push(d)
  expect(walked).toHaveLength(101)
  expect((await a.usage()).blobs).toBe(102) // copies
  expect((await a.verify()).problems).toEqual([])
})

test('a writer sees a pack the other published after its own view was loaded', async () => {
  const first = a.chunkBatch()
  const x = await first.put(seededBytes(4000, 5))
  await first.commit()
  expect(await b.has(x.digest)).toBe(true) // b has loaded the packs of now
  const second = a.chunkBatch()
  const y = await second.put(seededBytes(4000, 6))
  await second.commit()
  expect(await b.stat(y.digest)).toMatchObject({ size: 4000 })
  // A batch of b's own then knows y is stored (its view is refreshed when it starts).
  const mine = b.chunkBatch()
  expect(await mine.put(seededBytes(4000, 6))).toMatchObject({ digest: y.digest, existed: true })
  await mine.commit()
  expect(packFiles(t.store.layout).packs).toHaveLength(2)
})
