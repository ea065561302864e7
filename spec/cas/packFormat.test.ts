// The pack and index formats: golden bytes of both (a pack written by a chunk batch, raw), an
// index's round trip and lookups for any set of entries (property), the digest table over many
// packs, and an index that fails its checks is PACK_CORRUPT naming the pack.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createContentStore } from '../../lib/cas/index.js'
import { encodeIndex, entryHead, packHeader, readEntryHead, type IndexEntries } from '../../lib/cas/_packFormat.js'
import { parseIndex, toHex, fromHex } from '../../lib/cas/_packIndex.js'
import { DigestTable } from '../../lib/cas/_digestTable.js'
import { loadCodec } from '../../lib/codec/index.js'
import { tempStore } from '../_fixtures/store.js'
import { packFiles } from '../_fixtures/storedBlob.js'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest()
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function entries(list: [digest: Uint8Array, offset: number, length: number][]): IndexEntries {
  const e: IndexEntries = { count: list.length, digests: new Uint8Array(list.length * 32), offsets: new Uint32Array(list.length), lengths: new Uint32Array(list.length) }
  list.forEach(([d, o, l], i) => {
    e.digests.set(d, i * 32)
    e.offsets[i] = o
    e.lengths[i] = l
  })
  return e
}

describe('pack files', () => {
  let t: Awaited<ReturnType<typeof tempStore>>
  beforeEach(async () => {
    t = await tempStore()
  })
  afterEach(() => t.cleanup())

  test('a chunk batch writes the golden bytes: header, then digest, length and stored bytes per entry', async () => {
    const cas = createContentStore({ layout: t.store.layout, hash: t.store.hash, codec: await loadCodec('zlib', { encoding: 'raw' }) })
    const batch = cas.chunkBatch()
    await batch.put(Buffer.from('hello\n'))
    await batch.put(Buffer.from('world\n'))
    await batch.commit()
    const { packs, indexes } = packFiles(t.store.layout)
    const name = packs[0].slice(0, -5)
    expect(indexes).toEqual([`${name}.idx`])
    const h = (s: string) => sha256(Buffer.from(s)).toString('hex')
    const le32 = (n: number) => Buffer.from(new Uint32Array([n]).buffer).toString('hex')
    const raw = (s: string) => `00${le32(s.length)}00000000${Buffer.from(s).toString('hex')}` // 9-byte header: raw, u64 length
    expect(readFileSync(t.store.layout.pack(name)).toString('hex')).toBe(
      '5354504b01000000' + h('hello\n') + le32(15) + raw('hello\n') + h('world\n') + le32(15) + raw('world\n'),
    )
    const idx = readFileSync(t.store.layout.packIndex(name))
    const [first, second] = [h('hello\n'), h('world\n')].sort()
    const fanout = Array.from({ length: 256 }, (_, b) => le32([first, second].filter((d) => parseInt(d.slice(0, 2), 16) <= b).length)).join('')
    const offsets = [first, second].map((d) => le32(d === h('hello\n') ? 8 : 8 + 36 + 15)).join('')
    const body = '5354495801000000' + le32(2) + fanout + first + second + offsets + le32(15) + le32(15)
    expect(idx.toString('hex')).toBe(body + hex(sha256(Buffer.from(body, 'hex'))))
    expect(name).toBe(hex(sha256(Buffer.from(body, 'hex'))))
    expect(name).toBe('d7c9a3cf06eeb5f2fc695254dc3129380ecad30292e50fc50c86a7dfcfa2effa') // the whole index, frozen
  })
})

describe('pack indexes', () => {
  test('round-trip any entries, and find each one by its digest (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 300, selector: hex }), (digests) => {
        const list = digests.map((d, i) => [d, 8 + i * 100, i * 7 + 1] as [Uint8Array, number, number])
        const bytes = encodeIndex(entries(list), sha256)
        const ix = parseIndex(bytes, hex(bytes.subarray(bytes.length - 32)), sha256)
        expect(ix.count).toBe(list.length)
        for (const [d, o, l] of list) {
          const i = ix.find(d)
          expect([ix.hex(i), ix.offset(i), ix.length(i)]).toEqual([hex(d), o, l])
        }
        for (let i = 1; i < ix.count; i++) expect(ix.hex(i - 1) < ix.hex(i)).toBe(true)
        expect(ix.find(sha256(Buffer.from('absent')))).toBe(-1)
      }),
      { seed: 12, numRuns: 60 },
    )
  })

  test('an index that fails a check is PACK_CORRUPT naming its pack', () => {
    const bytes = encodeIndex(entries([[sha256(Buffer.from('a')), 8, 10], [sha256(Buffer.from('b')), 54, 12]]), sha256)
    const name = hex(bytes.subarray(bytes.length - 32))
    const damaged = (at: number) => {
      const b = Uint8Array.from(bytes)
      b[at] ^= 1
      return b
    }
    for (const [b, why] of [
      [damaged(0), /is not a pack index/],
      [damaged(5), /has version/],
      [bytes.subarray(0, bytes.length - 1), /has \d+ bytes/],
      [damaged(12 + 4 * 10), /fanout/], // the fanout now decreases
      [damaged(12 + 1024 + 3), /does not match its checksum/], // a digest
      [damaged(bytes.length - 1), /named for another checksum/],
    ] as const) {
      expect(() => parseIndex(b, name, sha256)).toThrow(expect.objectContaining({ code: 'PACK_CORRUPT', data: { pack: name }, message: expect.stringMatching(why) }))
    }
  })

  test('entry heads and hex helpers round-trip', () => {
    const d = sha256(Buffer.from('x'))
    const head = readEntryHead(entryHead(d, 70_000))
    expect([hex(head.digest), head.length]).toEqual([hex(d), 70_000])
    expect(hex(packHeader())).toBe('5354504b01000000')
    expect(toHex(fromHex(hex(d)))).toBe(hex(d))
  })
})

describe('the digest table', () => {
  test('finds every entry of many packs in one probe, and nothing else (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 2000 }), (digests) => {
        const table = new DigestTable((id) => ({ bytes: digests[id], at: 0 }))
        digests.forEach((d, id) => table.add(id, d, 0))
        for (const [id, d] of digests.entries()) expect(hex(digests[table.find(d)])).toBe(hex(d)) // a duplicate: the first copy
        for (const [id, d] of digests.entries()) if (digests.findIndex((x) => hex(x) === hex(d)) === id) expect(table.find(d)).toBe(id)
        expect(table.find(new Uint8Array(32).fill(7))).toBe(digests.findIndex((x) => hex(x) === '07'.repeat(32)))
      }),
      { seed: 7, numRuns: 40 },
    )
  })
})
