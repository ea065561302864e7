// codec.encodeMany(): several blobs stored as encode() stores each, byte for byte (the worker
// threads run the same zlib calls with the same parameters), the raw fallback included, on the
// codec's own worker pool or on a pool given (the layer module's read workers, which carry the
// same compression ops); the caller's buffers stay whole. The portable backend encodes one by
// one. A layer's new chunks go this way (spec/cas/chunkBatch.test.ts covers the batch).

import { afterEach, describe, expect, test } from 'vitest'
import { readFileSync } from 'node:fs'
import { loadCodec, readHeader, type Encoding } from '../../lib/codec/index.js'
import { WorkerPools } from '../../lib/_workerPool.js'
import { readWorkers } from '../../lib/layer/_readWorker.js'
import { COMPRESS_OPS } from '../../lib/codec/index.js'
import { manyMessage, manyResult } from '../../lib/codec/_compressOps.js'
import { DELTA_HEAD, encodeDeltaHead } from '../../lib/codec/delta/index.js'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { seededBytes } from '../_fixtures/seeded.js'

const pools: WorkerPools[] = []
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close()
})

const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'.repeat(3000))
const inputs = (): Uint8Array[] => [
  text,
  readFileSync('/usr/bin/ls'),
  seededBytes(70_000), // incompressible: stored raw
  new Uint8Array(0),
  new Uint8Array([1, 2, 3, 4, 5]),
  // a view into a larger buffer, as a chunk of a read is
  new Uint8Array(text.buffer, 1000, 40_000),
  new TextEncoder().encode('x'.repeat(1 << 20)),
]

describe.each(['zstd', 'brotli', 'deflate'] as const)('zlib codec writing %s', (encoding: Encoding) => {
  test('encodeMany gives encode()’s bytes for each blob, on its own pool or a given one', async () => {
    const workers = new WorkerPools()
    pools.push(workers)
    const codec = await loadCodec('zlib', { encoding, workers })
    const data = inputs()
    const one = await Promise.all(data.map((d) => codec.encode(d)))
    const many = await codec.encodeMany(data)
    expect(workers.threads().compress).toBeGreaterThan(0)
    const read = readWorkers(workers).pool
    const onRead = await codec.encodeMany(data, { pool: read })
    expect(read.threads).toBeGreaterThan(0)
    for (let i = 0; i < data.length; i++) {
      expect(Buffer.from(many[i]).equals(Buffer.from(one[i])), `blob ${i}`).toBe(true)
      expect(Buffer.from(onRead[i]).equals(Buffer.from(one[i])), `blob ${i} on the read workers`).toBe(true)
      expect(Buffer.from(await codec.decode(many[i])).equals(Buffer.from(data[i]))).toBe(true)
    }
    expect(readHeader(many[0]).encoding).toBe(encoding)
    expect(readHeader(many[2]).encoding).toBe('raw')
    expect(readHeader(many[3])).toEqual({ encoding: 'raw', size: 0 })
    // The inputs were copied, not transferred.
    expect(data.map((d) => d.byteLength)).toEqual(inputs().map((d) => d.byteLength))
  })
})

test('the portable codec encodes one by one, the same bytes', async () => {
  const codec = await loadCodec('fflate', { encoding: 'deflate' })
  const data = inputs()
  const many = await codec.encodeMany(data)
  const one = await Promise.all(data.map((d) => codec.encode(d)))
  expect(many.map((b) => Buffer.from(b).toString('hex'))).toEqual(one.map((b) => Buffer.from(b).toString('hex')))
})

test('level 0 stores raw, as encode() does', async () => {
  const workers = new WorkerPools()
  pools.push(workers)
  const codec = await loadCodec('zlib', { encoding: 'zstd', workers })
  const [a] = await codec.encodeMany([text], { level: 0 })
  expect(readHeader(a)).toEqual({ encoding: 'raw', size: text.length })
})

test('zstd near the raw threshold, and batches after larger ones (their buffers reused), give encode()’s bytes', async () => {
  const workers = new WorkerPools()
  pools.push(workers)
  const codec = await loadCodec('zlib', { encoding: 'zstd', workers })
  // A block of random bytes (stored raw inside the frame) and then k zeros (a block of a few
  // bytes): the frame comes out just over or under the input's size, around k = 15.
  const edge = [0, 4, 8, 10, 12, 14, 16, 18, 20, 24, 32].map((k) => {
    const b = new Uint8Array(131_072 + k)
    b.set(seededBytes(131_072, 40 + k))
    return b
  })
  const big = [seededBytes(1_500_000, 3), text]
  for (const batch of [big, edge, [text], edge.slice(0, 2), big, [new Uint8Array(0)]]) {
    const many = await codec.encodeMany(batch)
    const one = await Promise.all(batch.map((d) => codec.encode(d)))
    expect(many.map((b) => Buffer.from(b).toString('base64'))).toEqual(one.map((b) => Buffer.from(b).toString('base64')))
  }
  const kinds = new Set((await codec.encodeMany(edge)).map((b) => readHeader(b).encoding))
  expect([...kinds].sort()).toEqual(['raw', 'zstd']) // both sides of the threshold were met
})

test('on a Node whose zlib streams lack the internals the workers drive, the public sync calls give the same bytes', async () => {
  // A fault this Node cannot cause (its zlib has them): the worker source runs here, in this
  // thread, with a zlib whose streams hide them.
  const zlib = await import('node:zlib')
  let syncCalls = 0
  const hiding = {
    ...zlib,
    createZstdCompress: (o?: object) => {
      const e = zlib.createZstdCompress(o)
      return { close: () => e.close() }
    },
    zstdCompressSync: (...a: Parameters<typeof zlib.zstdCompressSync>) => (syncCalls++, zlib.zstdCompressSync(...a)),
  }
  const req = createRequire(import.meta.url)
  const compressOp = new Function('require', `${COMPRESS_OPS}\nreturn compressOp`)((m: string) => (m === 'node:zlib' ? hiding : req(m))) as (m: object) => { msg: { buf: ArrayBuffer; lens: Uint32Array } }
  const codec = await loadCodec('zlib', { encoding: 'zstd' })
  const data = inputs()
  const base = new TextEncoder().encode('the quick brown fox jumps over the lazy cat\n'.repeat(3000))
  const head = encodeDeltaHead(data[0].length, { base: `sha256:${createHash('sha256').update(base).digest('hex')}`, depth: 1, baseSize: base.length })
  expect(head.length).toBe(DELTA_HEAD)
  const { msg } = manyMessage('zstd', 1, data, data.map((_, i) => (i === 0 ? { base, head } : undefined)))
  const out = manyResult(compressOp(msg).msg)
  for (let i = 1; i < data.length; i++) expect(Buffer.from(out[i]).equals(Buffer.from(await codec.encode(data[i]))), `blob ${i}`).toBe(true)
  expect(readHeader(out[0]).encoding).toBe('delta')
  expect(out[0].length).toBeLessThan((await codec.encode(data[0])).length)
  expect(syncCalls).toBeGreaterThanOrEqual(data.length - 1) // the public calls did the work
})
