// What a crash can leave of a pack write, and that each is never read and is reclaimed: a torn
// temp pack in ingest/ (killed before the sync), a pack without its index (killed between the
// two links), an index without its pack (a removal killed between its two unlinks), and an
// index that fails its checks (never used; fsck names it, gc keeps its pack for repair).

import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, expect, test } from 'vitest'
import type { ContentStore } from '../../lib/cas/index.js'
import { createContentStore } from '../../lib/cas/index.js'
import { loadCodec } from '../../lib/codec/index.js'
import { collectGarbage } from '../../lib/system/gc.js'
import { openStore } from '../../lib/store.js'
import { findLeftovers } from '../../lib/system/leftovers.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'
import { packFiles } from '../_fixtures/storedBlob.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

/** A committed pack of `n` blobs; its name and the blobs' digests. */
async function onePack(n = 3) {
  const batch = t.store.cas.chunkBatch()
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => batch.put(seededBytes(5000 + i, 900 + i))))
  await batch.commit()
  return { name: packFiles(t.store.layout).packs.at(-1)!.slice(0, -5), digests: rs.map((r) => r.digest) }
}

/** Another store object on the root: it knows only what is on disk. */
async function fresh(): Promise<ContentStore> {
  return createContentStore({ layout: t.store.layout, hash: t.store.hash, codec: await loadCodec() })
}

test('a torn temp pack in ingest/ is never read, and gc removes it', async () => {
  const { name, digests } = await onePack()
  const torn = `${t.store.layout.ingestDir}/pack.1-dead-1`
  writeFileSync(torn, readFileSync(t.store.layout.pack(name)).subarray(0, 3000))
  rmSync(t.store.layout.packIndex(name))
  rmSync(t.store.layout.pack(name))
  const cas = await fresh()
  for (const d of digests) expect(await cas.has(d)).toBe(false)
  await collectGarbage(t.store)
  expect(existsSync(torn)).toBe(false)
})

test('a pack without its index is invisible, counted as a leftover, and removed by gc', async () => {
  const { name, digests } = await onePack()
  rmSync(t.store.layout.packIndex(name))
  const cas = await fresh()
  for (const d of digests) {
    expect(await cas.has(d)).toBe(false)
    await expect(cas.get(d)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
  }
  expect((await findLeftovers(t.store)).map((l) => [l.kind, l.path])).toEqual([['pack', t.store.layout.pack(name)]])
  const gc = await collectGarbage(t.store)
  expect(gc.packOrphans).toBe(1)
  expect(packFiles(t.store.layout)).toEqual({ packs: [], indexes: [] })
  expect(await findLeftovers(t.store)).toEqual([])
})

test('an index without its pack is ignored by reads (even by a process that loaded it) and removed by gc', async () => {
  const { name, digests } = await onePack()
  const loaded = await fresh()
  expect(await loaded.has(digests[0])).toBe(true) // its indexes are loaded now
  rmSync(t.store.layout.pack(name))
  for (const cas of [loaded, await fresh()]) await expect(cas.get(digests[1])).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
  await collectGarbage(await openStore({ root: t.store.root }))
  expect(packFiles(t.store.layout)).toEqual({ packs: [], indexes: [] })
})

test('an index that fails its checks is never used, and gc keeps its pack (fsck names it)', async () => {
  const { name, digests } = await onePack()
  const idx = readFileSync(t.store.layout.packIndex(name))
  idx[12 + 1024 + 5] ^= 1 // inside a digest: the checksum no longer matches
  writeFileSync(t.store.layout.packIndex(name), idx)
  const cas = await fresh()
  for (const d of digests) expect(await cas.has(d)).toBe(false)
  await collectGarbage(await openStore({ root: t.store.root })) // a process that never saw it whole
  expect(packFiles(t.store.layout).packs).toEqual([`${name}.pack`])
})

test('a pack published twice under one name (two writers, same entries) is one pack', async () => {
  const { name, digests } = await onePack()
  const copy = `${t.store.layout.ingestDir}/copy`
  copyFileSync(t.store.layout.pack(name), copy)
  const again = await onePack() // the same blobs exist: nothing is written
  expect(again.name).toBe(name)
  expect(packFiles(t.store.layout).packs).toEqual([`${name}.pack`])
  for (const d of digests) expect(await (await fresh()).has(d)).toBe(true)
})
