// Issue 11's false alarm: a layer index stored in more than 1 MiB (brotli) made `fsck` report
// corruption on a sound store, because large blobs were streamed back without their codec.
// Sized to run in seconds: entries with random xattrs make an index no compressor shrinks.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { tempStore, collect } from '../_fixtures/store.js'
import { noisyEntriesTar } from '../../bench/_tars.js'
import { importImage } from '../../lib/image/import.js'
import { fsck } from '../../lib/fsck.js'
import { layerTar, loadIndex } from '../../lib/layer/index.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

test('a layer whose index would be a >1 MiB brotli blob imports, rebuilds byte for byte, and fsck is clean', async () => {
  const file = join(t.dir, 'noisy.tar')
  await pipeline(Readable.from(noisyEntriesTar(2500)), createWriteStream(file))
  const { layer } = await importImage(t.store, { source: file, tag: 'noisy:1' })
  expect(layer.entries).toBe(2500)
  const tar = await collect(layerTar(t.store.cas, await loadIndex(t.store.cas, layer.index)))
  expect(t.store.hash.sha256(tar)).toBe(layer.diffId)
  const report = await fsck(t.store)
  expect(report.problems).toEqual([])
})
