// chunkBatch(): layer import's chunk puts. Through worker threads the blob on disk must be
// exactly what put() would make readable (get verifies it); a chunk reaches blobs/ only at
// commit (after the file system sync), an existing blob is success, a duplicate within the
// batch is written once, and abort leaves nothing behind. The portable path (no workers) is
// durable at each put.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { readdir } from 'node:fs/promises'
import { tempStore } from '../_fixtures/store.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(async () => {
  delete process.env.STORE_CHUNK_WORKERS
  await t.cleanup()
})

const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * seed) % 251)

test('chunks reach blobs/ at commit, once each, and the temp files are gone', async () => {
  const { store } = t
  const data = bytes(200_000, 31)
  const view = new Uint8Array(new ArrayBuffer(1 << 20), 4096, data.length)
  view.set(data)
  const batch = store.cas.chunkBatch()
  const [a, b] = await Promise.all([batch.put(view), batch.put(data)])
  expect(a.digest).toBe(store.hash.sha256(data))
  expect(b.digest).toBe(a.digest)
  expect([a.existed, b.existed].filter((x) => !x).length).toBe(1)
  expect(view.byteLength).toBe(data.length) // the caller's buffer is not detached
  expect(await store.cas.has(a.digest)).toBe(false)
  expect(await readdir(store.layout.ingestDir)).toHaveLength(1)

  await batch.commit()
  expect(Buffer.from(await store.cas.get(a.digest)).equals(Buffer.from(data))).toBe(true)
  expect((await store.cas.stat(a.digest))!.stored).toBeLessThan(data.length)
  expect(await readdir(store.layout.ingestDir)).toEqual([])
})

test('a chunk already in the store is not written again', async () => {
  const { store } = t
  const data = bytes(100_000, 7)
  const first = await store.cas.put(data)
  const batch = store.cas.chunkBatch()
  const r = await batch.put(data)
  expect(r).toMatchObject({ digest: first.digest, existed: true })
  expect(await readdir(store.layout.ingestDir)).toEqual([])
  await batch.commit()
})

test('abort removes what the batch wrote; nothing reaches blobs/', async () => {
  const { store } = t
  const batch = store.cas.chunkBatch()
  const rs = await Promise.all([1, 2, 3].map((s) => batch.put(bytes(50_000, s + 10))))
  expect(await readdir(store.layout.ingestDir)).toHaveLength(3)
  await batch.abort()
  expect(await readdir(store.layout.ingestDir)).toEqual([])
  for (const r of rs) expect(await store.cas.has(r.digest)).toBe(false)
})

test('without workers each put is durable and visible at once', async () => {
  const { store } = t
  process.env.STORE_CHUNK_WORKERS = '0'
  const batch = store.cas.chunkBatch()
  const data = bytes(80_000, 13)
  const r = await batch.put(data)
  expect(await store.cas.has(r.digest)).toBe(true)
  await batch.commit()
  expect(Buffer.from(await store.cas.get(r.digest)).equals(Buffer.from(data))).toBe(true)
})
