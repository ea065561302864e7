// chunkBatch(): layer import's chunk puts, one write transaction. New chunks go into a pack
// (header, entries, index) written in ingest/ and published at commit: nothing is visible
// before, everything after, and ingest/ is empty again. A chunk already stored (packed or
// loose) or put twice is written once; a blob stored in more than 1 MiB stays loose; abort
// leaves nothing behind; with publishEvery, what was packed is published on a timer as the batch
// goes and stays after an abort; both codecs write packs.

import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { readdir } from 'node:fs/promises'
import { createContentStore } from '../../lib/cas/index.js'
import { loadCodec } from '../../lib/codec/index.js'
import { PACK_ENTRY_MAX } from '../../lib/cas/_packFormat.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'
import { packFiles, storedAt } from '../_fixtures/storedBlob.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * seed) % 251)

test('chunks are packed and visible at commit, once each, and ingest/ is empty after', async () => {
  const { store } = t
  const data = bytes(200_000, 31)
  const view = new Uint8Array(new ArrayBuffer(1 << 20), 4096, data.length)
  view.set(data)
  const batch = store.cas.chunkBatch()
  const [a, b, c] = await Promise.all([batch.put(view), batch.put(data), batch.put(bytes(3000, 7))])
  expect(a.digest).toBe(store.hash.sha256(data))
  expect(b.digest).toBe(a.digest)
  expect([a.existed, b.existed].filter((x) => !x).length).toBe(1)
  expect(view.byteLength).toBe(data.length) // the caller's buffer is not detached
  expect(await store.cas.has(a.digest)).toBe(false)
  expect(await readdir(store.layout.ingestDir)).toHaveLength(1) // the pack being written

  await batch.commit()
  expect(packFiles(store.layout)).toMatchObject({ packs: [expect.any(String)], indexes: [expect.any(String)] })
  expect(storedAt(store.layout, a.digest)).toEqual([expect.objectContaining({ backing: 'packed', length: a.stored })])
  expect(Buffer.from(await store.cas.get(a.digest)).equals(Buffer.from(data))).toBe(true)
  expect(Buffer.from(await store.cas.get(c.digest)).equals(Buffer.from(bytes(3000, 7)))).toBe(true)
  expect((await store.cas.stat(a.digest))!.stored).toBeLessThan(data.length)
  expect(await readdir(store.layout.ingestDir)).toEqual([])
})

test('a chunk already stored, loose or packed, is not written again', async () => {
  const { store } = t
  const loose = await store.cas.put(bytes(100_000, 7))
  const first = store.cas.chunkBatch()
  const packed = await first.put(bytes(100_000, 9))
  await first.commit()
  const batch = store.cas.chunkBatch()
  expect(await batch.put(bytes(100_000, 7))).toMatchObject({ digest: loose.digest, existed: true })
  expect(await batch.put(bytes(100_000, 9))).toMatchObject({ digest: packed.digest, existed: true })
  expect(await readdir(store.layout.ingestDir)).toEqual([])
  await batch.commit()
  expect(packFiles(store.layout).packs).toHaveLength(1)
})

test('a blob stored in more than 1 MiB stays loose', async () => {
  const { store } = t
  const big = seededBytes(PACK_ENTRY_MAX + 100) // incompressible: stored raw, over the limit
  const batch = store.cas.chunkBatch()
  const r = await batch.put(big)
  await batch.commit()
  expect(storedAt(store.layout, r.digest).map((s) => s.backing)).toEqual(['loose'])
  expect(packFiles(store.layout).packs).toEqual([])
  expect(Buffer.from(await store.cas.get(r.digest)).equals(big)).toBe(true)
})

test('abort removes what the batch wrote; nothing becomes visible', async () => {
  const { store } = t
  const batch = store.cas.chunkBatch()
  const rs = await Promise.all([1, 2, 3].map((s) => batch.put(bytes(50_000, s + 10))))
  await batch.put(seededBytes(PACK_ENTRY_MAX + 1))
  expect(await readdir(store.layout.ingestDir)).toHaveLength(2) // the pack and the loose blob
  await batch.abort()
  expect(await readdir(store.layout.ingestDir)).toEqual([])
  for (const r of rs) expect(await store.cas.has(r.digest)).toBe(false)
  expect(packFiles(store.layout).packs).toEqual([])
})

test('publishEvery: what was packed is published on a timer while the batch goes on, and stays when it is aborted (a killed pull keeps it)', async () => {
  // The batch's timer, driven by hand: the publish itself is real (sync, links).
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
  try {
    const { store } = t
    const batch = store.cas.chunkBatch({ publishEvery: 4000 })
    const early = []
    for (let i = 0; i < 3; i++) early.push(await batch.put(seededBytes(100_000, i + 1)))
    expect(packFiles(store.layout).packs).toHaveLength(0)
    vi.advanceTimersByTime(4000)
    await vi.waitUntil(() => packFiles(store.layout).packs.length === 1, { timeout: 60_000, interval: 20 })
    for (const r of early) expect(await store.cas.has(r.digest)).toBe(true)
    const late = await batch.put(seededBytes(100_000, 4))
    expect(await store.cas.has(late.digest)).toBe(false)
    await batch.abort()
    for (const [i, r] of early.entries()) expect(Buffer.from(await store.cas.get(r.digest)).equals(seededBytes(100_000, i + 1))).toBe(true)
    expect(await store.cas.has(late.digest)).toBe(false)
    expect(await readdir(store.layout.ingestDir)).toEqual([])
    expect(await store.cas.verify()).toMatchObject({ packs: 1, packedBlobs: 3, problems: [] })
  } finally {
    vi.useRealTimers()
  }
})

test('the portable codec writes the same packs', async () => {
  const { store } = t
  const portable = createContentStore({ layout: store.layout, hash: store.hash, codec: await loadCodec('fflate', { encoding: 'zstd' }) })
  const batch = portable.chunkBatch()
  const r = await batch.put(bytes(80_000, 13))
  await batch.commit()
  expect(storedAt(store.layout, r.digest).map((s) => s.backing)).toEqual(['packed'])
  expect(Buffer.from(await store.cas.get(r.digest)).equals(Buffer.from(bytes(80_000, 13)))).toBe(true)
})
