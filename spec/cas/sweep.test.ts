// sweep(): gc's content step over packs. A pack with nothing live is deleted; one under half
// live is repacked (every live blob copied into a new pack, then the old one deleted; a reader
// that had loaded the old one finds the new); a mostly live one is kept, its dead bytes counted;
// a live blob whose copy is damaged is never dropped. reclaimable() says what sweep() frees.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { createContentStore, type ContentStore } from '../../lib/cas/index.js'
import { ENTRY_HEAD_SIZE } from '../../lib/cas/_packFormat.js'
import { loadCodec } from '../../lib/codec/index.js'
import type { Digest } from '../../lib/digest/digest.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'
import { flipStored, packFiles, storedAt } from '../_fixtures/storedBlob.js'

let t: Awaited<ReturnType<typeof tempStore>>
let cas: ContentStore
beforeEach(async () => {
  t = await tempStore()
  cas = t.store.cas
})
afterEach(() => t.cleanup())

/** Ten incompressible blobs of 10,000 bytes in one pack. */
async function tenInAPack(): Promise<{ digests: Digest[]; blobs: Buffer[] }> {
  const blobs = Array.from({ length: 10 }, (_, i) => seededBytes(10_000, 300 + i))
  const batch = cas.chunkBatch()
  const rs = await Promise.all(blobs.map((b) => batch.put(b)))
  await batch.commit()
  return { digests: rs.map((r) => r.digest), blobs }
}

const ENTRY = ENTRY_HEAD_SIZE + 9 + 10_000

test('a pack under half live is repacked: every live blob kept, every dead one gone', async () => {
  const { digests, blobs } = await tenInAPack()
  const [before] = packFiles(t.store.layout).packs
  const reader = createContentStore({ layout: t.store.layout, hash: t.store.hash, codec: await loadCodec() })
  expect(await reader.has(digests[0])).toBe(true) // has the old pack loaded
  const live = new Set(digests.slice(0, 3))
  const expected = await cas.reclaimable((d) => live.has(d))
  const s = await cas.sweep((d) => live.has(d))
  expect(s).toMatchObject({ packsRepacked: 1, packsDeleted: 0, entriesDropped: 7, looseDeleted: 0, deadKept: 0 })
  expect(s.reclaimed).toBe(expected)
  const { packs } = packFiles(t.store.layout)
  expect(packs).toHaveLength(1)
  expect(packs[0]).not.toBe(before)
  for (const [i, d] of digests.entries()) {
    for (const c of [cas, reader]) {
      if (i < 3) expect(Buffer.from(await c.get(d)).equals(blobs[i])).toBe(true)
      else expect(await c.has(d)).toBe(false)
    }
  }
  expect((await cas.verify()).problems).toEqual([])
})

test('a mostly live pack is kept as it is, its dead bytes counted; a dead one is deleted', async () => {
  const { digests } = await tenInAPack()
  const [pack] = packFiles(t.store.layout).packs
  const live = new Set(digests.slice(0, 7))
  expect(await cas.reclaimable((d) => live.has(d))).toBe(0)
  expect(await cas.sweep((d) => live.has(d))).toMatchObject({ packsRepacked: 0, packsDeleted: 0, entriesDropped: 0, deadKept: 3 * ENTRY, reclaimed: 0 })
  expect(packFiles(t.store.layout).packs).toEqual([pack])
  expect(await cas.has(digests[9])).toBe(true) // dead, still stored until its pack is repacked
  const expected = await cas.reclaimable(() => false)
  const s = await cas.sweep(() => false)
  expect(s).toMatchObject({ packsDeleted: 1, entriesDropped: 10 })
  expect(s.reclaimed).toBe(expected)
  expect(packFiles(t.store.layout)).toEqual({ packs: [], indexes: [] })
})

test('a live blob whose copy is damaged is never dropped: the pack stays for fsck to name it', async () => {
  const { digests } = await tenInAPack()
  flipStored(t.store.layout, digests[1], 5000)
  const [pack] = packFiles(t.store.layout).packs
  const s = await cas.sweep((d) => d === digests[0] || d === digests[1])
  expect(s).toMatchObject({ packsRepacked: 0, deadKept: 8 * ENTRY })
  expect(packFiles(t.store.layout).packs).toEqual([pack])
  expect(storedAt(t.store.layout, digests[1])).toHaveLength(1)
  expect((await cas.verify()).problems).toMatchObject([{ kind: 'blob', id: digests[1] }])
})

test('loose blobs that are not live are deleted, live ones kept', async () => {
  const a = await cas.put(seededBytes(5000, 1))
  const b = await cas.put(seededBytes(5000, 2))
  const s = await cas.sweep((d) => d === a.digest)
  expect(s).toMatchObject({ looseDeleted: 1 })
  expect(s.reclaimed).toBeGreaterThanOrEqual(5009) // its allocated blocks
  expect([await cas.has(a.digest), await cas.has(b.digest)]).toEqual([true, false])
})
