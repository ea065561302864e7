// `system df` reports what the file system allocates beside what is stored: with a store of many
// small chunks packed, allocated bytes are within 3 % of stored bytes (here 1.0 %; one file per
// chunk would allocate whole 4 KiB blocks: 25 % more), counted from pack indexes and metadata.

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { addLayer } from '../../lib/image/create.js'
import { dirTar } from '../../lib/layer/index.js'
import { diskUsage } from '../../lib/system/df.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

test('allocated bytes are within 3 % of stored bytes on a store of many small chunks', async () => {
  const dir = join(t.dir, 'tree')
  // 2,000 files of 4–16 KiB, each one chunk (under FastCDC's 16 KiB minimum): half
  // incompressible, half text that compresses about 2:1.
  for (let i = 0; i < 2000; i++) {
    if (i % 100 === 0) await mkdir(join(dir, `d${i / 100}`), { recursive: true })
    const n = 4096 + ((i * 7919) % 12288)
    await writeFile(join(dir, `d${Math.floor(i / 100)}`, `f${i}`), i % 2 ? seededBytes(n, i) : Buffer.from(seededBytes(n >> 1, i).toString('hex')))
  }
  await addLayer(t.store, null, dirTar(dir))
  const r = await diskUsage(t.store)
  expect(r.blobs).toBeGreaterThan(2000)
  expect(r.packs).toBe(1)
  expect(r.allocated).toBeGreaterThanOrEqual(r.stored)
  expect(r.allocated / r.stored).toBeLessThanOrEqual(1.03)
  // As loose files, each chunk would take whole 4 KiB blocks.
  const u = await t.store.cas.usage()
  let loose = 0
  for await (const d of t.store.cas.walk()) loose += Math.ceil(u.storedSize(d)! / 4096) * 4096
  expect(loose / r.stored).toBeGreaterThan(1.2)
})
