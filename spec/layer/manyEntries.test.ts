// A layer of many entries (sized to run in seconds; bench/manyEntries.bench.ts runs a million):
// its index is several segments, it rebuilds byte for byte, applies whole, its segments and
// chunks survive garbage collection, and fsck is clean.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { createWriteStream, readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import { manyEntriesTar } from '../../bench/_tars.js'
import { importImage } from '../../lib/image/import.js'
import { collectGarbage } from '../../lib/system/gc.js'
import { fsck } from '../../lib/fsck.js'
import { applyLayer, layerTar, loadIndex } from '../../lib/layer/index.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

test('10,000 entries: segmented index, byte-for-byte rebuild, apply, gc keeps it, fsck clean', async () => {
  const n = 10_000
  const file = join(t.dir, 'many.tar')
  await pipeline(Readable.from(manyEntriesTar(n)), createWriteStream(file))
  const { layer } = await importImage(t.store, { source: file, tag: 'many:1' })
  expect(layer.entries).toBe(n + n / 100) // files and their folders
  const ix = await loadIndex(t.store.cas, layer.index)
  expect(ix.kind === 'segmented' && ix.segments.length).toBeGreaterThan(3)

  const stats = await collectGarbage(t.store)
  expect(stats.blobsDeleted).toBe(0)
  expect((await fsck(t.store)).problems).toEqual([])
  const h = t.store.hash.create()
  for await (const b of layerTar(t.store.cas, ix)) h.update(b)
  expect(h.digest()).toBe(layer.diffId)

  const root = join(t.dir, 'applied')
  await mkdir(root)
  await applyLayer(t.store.cas, ix, root, { mode: 'plain' })
  const dirs = readdirSync(root)
  expect(dirs.length).toBe(n / 100)
  expect(dirs.reduce((sum, d) => sum + readdirSync(join(root, d)).length, 0)).toBe(n)
})
