// putChunk() stores through worker threads: the blob on disk must be exactly what put() would
// make readable (get verifies it), an existing blob is success, and nothing is left in ingest/.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { readdir } from 'node:fs/promises'
import { tempStore } from '../_fixtures/store.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(async () => t.cleanup())

test('putChunk() stores a chunk readable by get(), once, leaving no temp files', async () => {
  const { store } = t
  const data = new Uint8Array(200_000).map((_, i) => (i * 31) % 251)
  const view = new Uint8Array(new ArrayBuffer(1 << 20), 4096, data.length)
  view.set(data)
  const [a, b] = await Promise.all([store.cas.putChunk(view), store.cas.putChunk(data)])
  expect(a.digest).toBe(store.hash.sha256(data))
  expect(b.digest).toBe(a.digest)
  expect([a.existed, b.existed].filter((x) => !x).length).toBe(1)
  expect(Buffer.from(await store.cas.get(a.digest)).equals(Buffer.from(data))).toBe(true)
  expect(view.byteLength).toBe(data.length) // the caller's buffer is not detached
  expect((await store.cas.stat(a.digest))!.stored).toBeLessThan(data.length)
  expect(await readdir(store.layout.ingestDir)).toEqual([])
})
