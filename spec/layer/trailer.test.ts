// A tar's trailer (everything after its last entry) is stored by length and content: its
// leading zeros as one length (a "trailer bomb" of zeros costs nothing), any bytes after them
// as content chunks; the archive rebuilds byte for byte (same diffID) and fsck is clean.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { createWriteStream } from 'node:fs'
import { seededBytes } from '../_fixtures/seeded.js'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { join } from 'node:path'
import { tempStore, collect } from '../_fixtures/store.js'
import { trailerBombTar } from '../../bench/_tars.js'
import { importImage } from '../../lib/image/import.js'
import { fsck } from '../../lib/fsck.js'
import { indexRecords, layerTar, loadIndex, type IndexRecord } from '../../lib/layer/index.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

async function imported(src: AsyncIterable<Uint8Array>, gzip: boolean) {
  const file = join(t.dir, 'in.tar')
  const hasher = t.store.hash.create()
  async function* hashed() {
    for await (const b of src) {
      hasher.update(b)
      yield b
    }
  }
  if (gzip) await pipeline(Readable.from(hashed()), createGzip(), createWriteStream(file))
  else await pipeline(Readable.from(hashed()), createWriteStream(file))
  const { layer } = await importImage(t.store, { source: file, tag: 'trailer:1' })
  expect(layer.diffId).toBe(hasher.digest())
  const ix = await loadIndex(t.store.cas, layer.index)
  const trailer: IndexRecord[] = []
  let inTrailer = false
  for await (const r of indexRecords(t.store.cas, ix)) {
    if (r.type === 'trailer') inTrailer = true
    else if (inTrailer) trailer.push(r)
  }
  const rebuilt = t.store.hash.create()
  for await (const b of layerTar(t.store.cas, ix)) rebuilt.update(b)
  expect(rebuilt.digest()).toBe(layer.diffId)
  expect((await fsck(t.store)).problems).toEqual([])
  return trailer
}

test('64 MiB of zeros after the end marker (gzipped) is stored as one length', async () => {
  const trailer = await imported(trailerBombTar(64 << 20), true)
  expect(trailer).toEqual([{ type: 'zeros', n: 1024 + (64 << 20) }])
})

test('bytes after the zeros are kept as content chunks, deduplicated', async () => {
  const junk = seededBytes(300_000)
  async function* src() {
    yield* trailerBombTar(10_240)
    yield junk
    yield new Uint8Array(3 << 20)
  }
  const trailer = await imported(src(), false)
  expect(trailer[0]).toEqual({ type: 'zeros', n: 1024 + 10_240 })
  const refs = trailer.flatMap((r) => (r.type === 'chunks' ? r.refs : []))
  expect(refs.reduce((n, [, size]) => n + size, 0)).toBe(junk.length + (3 << 20))
  // The zero run past the junk is cut into equal max-size chunks: stored once.
  expect(new Set(refs.map(([hex]) => hex)).size).toBeLessThan(refs.length)
})

test('an archive without an end marker has an empty trailer', async () => {
  async function* src() {
    for await (const b of trailerBombTar(0)) yield b.subarray(0, b.length - 1024)
  }
  expect(await imported(src(), false)).toEqual([])
})
