// The layer index's formats: the binary records of a segment (a golden fixture, a round trip of
// any record sequence however it is cut, corruption named), the content-defined cuts (a layer
// that differs by one entry shares its other segments), and the first format, one JSON blob
// (stores made before), which still reads and rebuilds byte for byte.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { tempStore, collect, fromBuffer } from '../_fixtures/store.js'
import { SegmentBuilder } from '../../lib/layer/_segments.js'
import { readRecords, type IndexRecord } from '../../lib/layer/_records.js'
import { ingestTar, layerTar, loadIndex, indexRecords, type LayerIndex } from '../../lib/layer/index.js'
import { encodeHeader, END_OF_ARCHIVE, padding, type TarHeader } from '../../lib/tar/index.js'
import { isStoreError } from '../../lib/errors.js'
import { fsck } from '../../lib/fsck.js'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { digestFromHex } from '../../lib/digest/digest.js'
import { flipStored, storedAt } from '../_fixtures/storedBlob.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

const deps = () => ({ cas: t.store.cas, hash: t.store.hash, chunker: t.store.chunker, workers: t.store.workers })
const hdr = (name: string, over: Partial<TarHeader> = {}): TarHeader => ({
  name, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size: 0, mtime: 1_700_000_000, linkname: '', devmajor: 0, devminor: 0, xattrs: {}, ...over,
})
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function segmentsOf(records: IndexRecord[], min: number, max: number): Uint8Array[] {
  const b = new SegmentBuilder(min, max)
  const out = records.flatMap((r) => b.add(r) ?? [])
  const last = b.finish()
  return last ? [...out, last] : out
}

describe('segment records', () => {
  const records: IndexRecord[] = [
    { type: 'header', bytes: new Uint8Array([1, 2, 3, 4]) },
    { type: 'chunks', refs: [['ab'.repeat(32), 65536]] },
    { type: 'padding', bytes: new Uint8Array([5, 6]) },
    { type: 'trailer' },
    { type: 'zeros', n: 1024 },
    { type: 'bytes', bytes: new Uint8Array([0xff]) },
  ]
  const golden = '4c585331' + '010401020304' + '0201' + 'ab'.repeat(32) + '808004' + '03020506' + '04' + '058008' + '0601ff'

  test('encode to the golden bytes and back', () => {
    const [seg, ...rest] = segmentsOf(records, 1 << 20, 1 << 20)
    expect(rest).toEqual([])
    expect(hex(seg)).toBe(golden)
    expect([...readRecords(new Uint8Array(Buffer.from(golden, 'hex')), 'golden')]).toEqual(records)
  })

  test('any sequence of records survives any cutting into segments (property)', () => {
    const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex)
    const record: fc.Arbitrary<IndexRecord> = fc.oneof(
      fc.uint8Array({ maxLength: 1500 }).map((bytes) => ({ type: 'header' as const, bytes })),
      fc.array(fc.tuple(digest, fc.nat({ max: 2 ** 40 })), { minLength: 1, maxLength: 20 }).map((refs) => ({ type: 'chunks' as const, refs })),
      fc.uint8Array({ maxLength: 511 }).map((bytes) => ({ type: 'padding' as const, bytes })),
      fc.constant({ type: 'trailer' as const }),
      fc.maxSafeNat().map((n) => ({ type: 'zeros' as const, n })),
      fc.uint8Array({ maxLength: 700 }).map((bytes) => ({ type: 'bytes' as const, bytes })),
    )
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 1, max: 4000 }), (rs, min, extra) => {
        const segs = segmentsOf(rs, min, min + extra)
        // At most MAX, unless one record alone is larger.
        for (const s of segs) if ([...readRecords(s, '')].length > 1) expect(s.length).toBeLessThanOrEqual(min + extra)
        expect(segs.flatMap((s, i) => [...readRecords(s, String(i))])).toEqual(rs)
      }),
      { seed: 42, numRuns: 200 },
    )
  })

  test('a damaged segment is LAYER_CORRUPT naming it', () => {
    const good = Buffer.from(golden, 'hex')
    for (const bad of [good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([9])]), Buffer.from('JSON' + golden.slice(8), 'hex'), good.subarray(0, 12)]) {
      let err: unknown
      try {
        for (const _ of readRecords(bad, 'seg-x')) {
          // reading is the check
        }
      } catch (e) {
        err = e
      }
      expect(isStoreError(err, 'LAYER_CORRUPT'), String(err)).toBe(true)
      expect(String((err as Error).message)).toContain('seg-x')
    }
  })
})

describe('segments of a layer', () => {
  /** Empty files but those whose name ends in 00: the index is the point here, not the chunks. */
  function tarOf(names: string[]): Buffer {
    const parts: Uint8Array[] = []
    for (const n of names) {
      const data = Buffer.from(n.endsWith('00') ? `${n}\n` : '')
      parts.push(encodeHeader(hdr(n, { size: data.length })), data, padding(data.length))
    }
    return Buffer.concat([...parts, END_OF_ARCHIVE])
  }
  const names = Array.from({ length: 12_000 }, (_, i) => `dir${Math.floor(i / 500)}/file-${String(i).padStart(6, '0')}`)

  test('are bounded, and a layer that differs by one entry shares all its other segments', async () => {
    const a = await ingestTar(deps(), fromBuffer(tarOf(names), 40))
    const changed = [...names.slice(0, 6000), 'dir11/inserted', ...names.slice(6000)]
    const b = await ingestTar(deps(), fromBuffer(tarOf(changed), 40))
    const [ia, ib] = [await loadIndex(t.store.cas, a.index), await loadIndex(t.store.cas, b.index)] as Extract<LayerIndex, { kind: 'segmented' }>[]
    expect(ia.kind).toBe('segmented')
    expect(ia.entries).toBe(names.length)
    expect(ia.segments.length).toBeGreaterThan(4)
    for (const [, size] of ia.segments) expect(size).toBeLessThanOrEqual(1 << 20)
    const inA = new Set(ia.segments.map(([h]) => h))
    const fresh = ib.segments.filter(([h]) => !inA.has(h))
    expect(fresh.length).toBeLessThanOrEqual(2)
    expect((await collect(layerTar(t.store.cas, ib))).equals(tarOf(changed))).toBe(true)
  })

  test('a missing segment or a root that lies about its entries is an error, never a shorter tar', async () => {
    const r = await ingestTar(deps(), fromBuffer(tarOf(names.slice(0, 3000))))
    const ix = (await loadIndex(t.store.cas, r.index)) as Extract<LayerIndex, { kind: 'segmented' }>
    const drain = async (x: LayerIndex) => {
      for await (const _ of indexRecords(t.store.cas, x)) {
        // reading is the check
      }
    }
    const lying = { ...ix, entries: ix.entries + 1 }
    await expect(drain(lying)).rejects.toMatchObject({ code: 'LAYER_CORRUPT' })
    const missing = { ...ix, segments: [...ix.segments, ['0'.repeat(64), 10] as [string, number]] }
    await expect(drain(missing)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
  })
})

describe('fsck', () => {
  test('names a missing segment and a damaged one, with their layer', async () => {
    const names = Array.from({ length: 6000 }, (_, i) => `f/${i}`)
    const tar = Buffer.concat([...names.map((n) => encodeHeader(hdr(n))), END_OF_ARCHIVE])
    const r = await ingestTar(deps(), fromBuffer(tar))
    await t.store.layers.put({ chainId: r.diffId, diffId: r.diffId, parent: null, size: r.size, index: r.index, contentSize: 0, entries: r.entries, created: new Date(0).toISOString() })
    expect((await fsck(t.store)).problems).toEqual([])
    const ix = (await loadIndex(t.store.cas, r.index)) as Extract<LayerIndex, { kind: 'segmented' }>
    expect(ix.segments.length).toBeGreaterThan(2)
    // Segments are packed with the chunks (the layer's batch): damage the first one's entry.
    const first = digestFromHex(ix.segments[0][0])
    const [at] = storedAt(t.store.layout, first)
    const good = readFileSync(at.path)
    flipStored(t.store.layout, first, at.length >> 1)
    const damaged = await fsck(t.store)
    expect(damaged.problems.map((p) => p.kind).sort()).toEqual(['blob', 'layer'])
    expect(damaged.problems.every((p) => p.id === first || p.message.includes(ix.segments[0][0]))).toBe(true)
    writeFileSync(at.path, good)
    // Missing segments: their pack gone (index first, as gc removes one); the first is named.
    rmSync(t.store.layout.packIndex(at.pack!))
    rmSync(at.path)
    const missing = await fsck(t.store)
    expect(missing.problems).toEqual([{ kind: 'layer', id: r.diffId, message: `blob ${first} not found` }])
  })
})

describe('the first format (one JSON blob)', () => {
  test('still reads, rebuilds byte for byte and applies', async () => {
    const data = Buffer.from('old store\n')
    const h = encodeHeader(hdr('etc/motd', { size: data.length }))
    const pad = Buffer.alloc(512 - data.length, 0)
    pad[3] = 7 // non-zero padding, kept
    const chunk = await t.store.cas.put(data)
    const trailer = Buffer.concat([END_OF_ARCHIVE, Buffer.from('junk')])
    const tar = Buffer.concat([h, data, pad, trailer])
    const v1 = JSON.stringify({
      mediaType: 'application/vnd.store.layer.index.v1+json',
      diffId: t.store.hash.sha256(tar),
      size: tar.length,
      trailer: trailer.toString('base64'),
      entries: [{ h: Buffer.from(h).toString('base64'), c: [[chunk.digest.slice(7), data.length]], p: pad.toString('base64') }],
    })
    const root = await t.store.cas.put(Buffer.from(v1))
    const ix = await loadIndex(t.store.cas, root.digest)
    expect(ix.kind).toBe('whole')
    expect((await collect(layerTar(t.store.cas, ix))).equals(tar)).toBe(true)
  })
})
