// verify(): fsck's content step. Each pack is read once and checked entry by entry against its
// index, every blob's content against its digest; what is wrong is named: the blob (its digest,
// pack and offset) for a flipped byte in an entry, the pack and the blobs it affects for a
// damaged or short index or a truncated pack. A pack without an index is a leftover, not a
// problem.

import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, expect, test } from 'vitest'
import type { Digest } from '../../lib/digest/digest.js'
import { INDEX_HEADER_SIZE, FANOUT_SIZE } from '../../lib/cas/_packFormat.js'
import { indexShape } from '../../lib/cas/_packIndex.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'
import { flipStored, packFiles, storedAt } from '../_fixtures/storedBlob.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

/** A pack of six blobs (compressible and not), and a loose one. */
async function store(): Promise<{ name: string; digests: Digest[] }> {
  const batch = t.store.cas.chunkBatch()
  const blobs = [0, 1, 2].flatMap((i) => [seededBytes(8000, 40 + i), Buffer.from(`text ${i} `.repeat(900))])
  const rs = []
  for (const b of blobs) rs.push(await batch.put(b)) // in this order in the pack
  await batch.commit()
  await t.store.cas.put(Buffer.from('a loose blob'))
  return { name: packFiles(t.store.layout).packs[0].slice(0, -5), digests: rs.map((r) => r.digest) }
}

test('a sound store has no problems, and every blob is counted once per copy', async () => {
  await store()
  expect(await t.store.cas.verify()).toMatchObject({ packs: 1, packedBlobs: 6, looseBlobs: 1, problems: [] })
})

test('a flipped byte in a pack entry is named: the blob, its pack and offset', async () => {
  const { name, digests } = await store()
  for (const d of [digests[0], digests[3]]) flipStored(t.store.layout, d, 20) // past the 9-byte header
  const v = await t.store.cas.verify()
  expect(v.problems.map((p) => [p.kind, p.id])).toEqual([['blob', digests[0]], ['blob', digests[3]]])
  const at = storedAt(t.store.layout, digests[3])[0].offset - 36
  expect(v.problems[1].message).toContain(`in pack ${name} at offset ${at}: blob ${digests[3]} is corrupt`)
})

test('a damaged index is named, with the blob it no longer lists', async () => {
  const { name, digests } = await store()
  const path = t.store.layout.packIndex(name)
  const idx = readFileSync(path)
  const ix = indexShape(idx, name)
  const k = 2 // the third digest in index order
  const victim = `sha256:${ix.hex(k)}`
  idx[INDEX_HEADER_SIZE + FANOUT_SIZE + k * 32 + 31] ^= 1 // its last byte: the order still holds
  writeFileSync(path, idx)
  const v = await t.store.cas.verify()
  expect(digests).toContain(victim)
  expect(v.problems).toEqual([
    { kind: 'pack', id: name, message: `index of pack ${name} does not match its checksum` },
    { kind: 'blob', id: `sha256:${ix.hex(k)}`, message: expect.stringContaining(`where ${victim} is`) },
  ])
})

test('a truncated pack is named, with every blob it lost', async () => {
  const { name, digests } = await store()
  const cut = storedAt(t.store.layout, digests[4])[0].offset + 10
  truncateSync(t.store.layout.pack(name), cut)
  const v = await t.store.cas.verify()
  expect(v.problems[0]).toMatchObject({ kind: 'pack', id: name, message: expect.stringMatching(/ends inside an entry at offset \d+$/) })
  expect(v.problems.slice(1).map((p) => p.id).sort()).toEqual([digests[4], digests[5]].sort())
})

test('a pack without its index is a leftover, not a problem', async () => {
  const { name } = await store()
  rmSync(t.store.layout.packIndex(name))
  expect(await t.store.cas.verify()).toMatchObject({ packs: 0, looseBlobs: 1, problems: [] })
})
