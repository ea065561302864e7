// Delta blobs: written natively, read by both codec backends through the store's reads; the
// chain bound, corruption and a missing base are refused by name; the worker's copy of the
// encoder is the same code; and a golden blob keeps decoding as written.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadCodec, readHeader, type Codec } from '../../lib/codec/index.js'
import { DELTA_HEAD, MAX_DEPTH, createBaseCache, deltaRef, storedDepth, type DeltaBase } from '../../lib/codec/delta/index.js'
import { encodeDelta } from '../../lib/codec/delta/native.js'
import type { Digest } from '../../lib/digest/digest.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { edited, memoryBases, sha, textLike } from './_data.js'

const codecs = async (): Promise<Codec[]> => Promise.all([loadCodec('zlib'), loadCodec('fflate')])

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string; data?: Record<string, unknown> }> {
  const e = await p.then(() => undefined, (err: unknown) => err)
  expect(e, 'should have failed').toBeDefined()
  return e as { code?: string; message: string; data?: Record<string, unknown> }
}

/** A chain base <- v1 <- … <- v`depth`, stored in `bases`; returns the versions and blobs. */
async function chain(depth: number, bases = memoryBases()) {
  const zlibCodec = await loadCodec('zlib')
  const versions = [textLike(40_000, 11)]
  bases.blobs.set(sha(versions[0]), await zlibCodec.encode(versions[0], 3))
  const blobs: Uint8Array[] = []
  for (let d = 1; d <= depth; d++) {
    const v = edited(versions[d - 1], 100 + d)
    const base: DeltaBase = { digest: sha(versions[d - 1]), content: versions[d - 1], depth: d - 1 }
    const blob = encodeDelta(v, base)!
    bases.blobs.set(sha(v), blob)
    versions.push(v)
    blobs.push(blob)
  }
  return { versions, blobs, bases }
}

describe('delta blobs', () => {
  it('round-trip any edit of any base on both backends (property)', async () => {
    const cs = await codecs()
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 8, max: 30_000 }), fc.integer({ min: 1, max: 1 << 30 }), fc.integer({ min: 0, max: 40 }), async (n, seed, edits) => {
        const base = textLike(n, seed)
        const data = edited(base, seed + 1, edits)
        if (data.length === 0) return
        const blob = encodeDelta(data, { digest: sha(base), content: base, depth: 0 })
        if (!blob) return // a base zstd would parse as a dictionary, or too short: stored whole
        expect(readHeader(blob)).toEqual({ encoding: 'delta', size: data.length })
        expect(deltaRef(blob)).toEqual({ base: sha(base), depth: 1, baseSize: base.length })
        const bases = memoryBases(new Map([[sha(base), (await cs[0].encode(base, 3)) as Uint8Array]]))
        for (const c of cs) expect(Buffer.from(await c.decode(blob, bases)).equals(data)).toBe(true)
      }),
      { numRuns: 40 },
    )
  })

  it(`resolve a chain of depth ${MAX_DEPTH} on both backends, and are much smaller than the chunk`, async () => {
    const { versions, blobs, bases } = await chain(MAX_DEPTH)
    for (const c of await codecs()) expect(Buffer.from(await c.decode(blobs[MAX_DEPTH - 1], bases)).equals(versions[MAX_DEPTH])).toBe(true)
    for (const b of blobs) expect(b.length).toBeLessThan(2000)
  })

  it('with a base cache, a chain read once is not read again, and the cache stays in its bound', async () => {
    const { versions, blobs, bases } = await chain(3)
    const cached = { ...bases, cache: createBaseCache(100_000) }
    const c = await loadCodec('zlib')
    await c.decode(blobs[2], cached)
    for (const v of versions.slice(0, 3)) bases.blobs.delete(sha(v)) // only the cache has them now
    expect(Buffer.from(await c.decode(blobs[2], cached)).equals(versions[3])).toBe(true)
    expect(Buffer.from(await c.decode(blobs[1], cached)).equals(versions[2])).toBe(true)
    // 100,000 bytes hold two of the ~40 KB bases: the oldest went first.
    expect(cached.cache.get(sha(versions[0]))).toBeUndefined()
    expect(cached.cache.get(sha(versions[2]))).toBeDefined()
  })

  it('are never written deeper than the bound', async () => {
    const { versions } = await chain(MAX_DEPTH)
    const base: DeltaBase = { digest: sha(versions[MAX_DEPTH]), content: versions[MAX_DEPTH], depth: MAX_DEPTH }
    expect(encodeDelta(edited(versions[MAX_DEPTH], 5), base)).toBeUndefined()
  })

  it('a chain deeper than the bound is refused as corrupt, naming its base', async () => {
    const { blobs, bases } = await chain(1)
    const deep = new Uint8Array(blobs[0])
    deep[10] = MAX_DEPTH + 1 // the depth byte
    const e = await failure((await loadCodec('zlib')).decode(deep, bases))
    expect(e.code).toBe('BLOB_CORRUPT')
    expect(e.message).toMatch(/deeper than the bound of 4/)
    expect(e.message).toContain(deltaRef(blobs[0])!.base)
  })

  it('a base stored at a depth not below its delta\'s is refused: no cycle is ever followed', async () => {
    const { versions, blobs, bases } = await chain(2)
    // v1 rewritten to claim v2 as its base: v2 -> v1 -> v2 …
    const loop = new Uint8Array(blobs[0])
    loop.set(Buffer.from(sha(versions[2]).slice(7), 'hex'), 11)
    bases.blobs.set(sha(versions[1]), loop)
    const e = await failure((await loadCodec('zlib')).decode(blobs[1], bases))
    expect(e.code).toBe('BLOB_CORRUPT')
    expect(e.message).toBe(`${sha(versions[1])}'s delta base ${sha(versions[2])} is stored at depth 2, not below 1`)
  })

  it('a missing base is BLOB_CORRUPT naming the base', async () => {
    const { versions, blobs, bases } = await chain(2)
    bases.blobs.delete(sha(versions[0]))
    const e = await failure((await loadCodec('zlib')).decode(blobs[1], bases))
    expect(e.code).toBe('BLOB_CORRUPT')
    expect(e.message).toBe(`${sha(versions[1])}'s delta base ${sha(versions[0])} is missing`)
    expect(e.data?.base).toBe(sha(versions[0]))
  })

  it('a corrupt delta or a corrupt base is BLOB_CORRUPT', async () => {
    for (const c of await codecs()) {
      const { versions, blobs, bases } = await chain(1)
      const cut = blobs[0].subarray(0, blobs[0].length - 3)
      expect((await failure(c.decode(cut, bases))).code).toBe('BLOB_CORRUPT')
      const bad = new Uint8Array(bases.blobs.get(sha(versions[0]))!)
      bad[bad.length - 1] ^= 0xff
      bases.blobs.set(sha(versions[0]), bad)
      const e = await failure(c.decode(blobs[0], bases))
      expect(e.code).toBe('BLOB_CORRUPT')
      expect(e.message).toContain(sha(versions[0]))
    }
  })

  it('without the store behind it, or as a stream, a delta is BAD_CODEC', async () => {
    const { blobs } = await chain(1)
    const c = await loadCodec('zlib')
    const e = await failure(c.decode(blobs[0]))
    expect(e.code).toBe('BAD_CODEC')
    expect(e.message).toContain(deltaRef(blobs[0])!.base)
    expect(() => c.decodeStream('delta', (async function* () {})(), 1)).toThrow(expect.objectContaining({ code: 'BAD_CODEC' }))
  })

  it('the write path stores an edited chunk as a delta (on the worker threads), else whole', async () => {
    const [z, f] = await codecs()
    const base = textLike(65536, 21)
    const data = edited(base, 22)
    const b = { digest: sha(base), content: base, depth: 1 }
    const dict = textLike(1000, 9)
    dict.set([0x37, 0xa4, 0x30, 0xec]) // zstd would read it as a dictionary: no base
    const plain = textLike(30000, 5)
    // Mixed in one message: items with and without bases keep their places.
    const [d, whole, noise, deep, asDict, last] = await z.encodeMany([data, data, seededBytes(65536), data, edited(dict, 2), plain], {
      bases: [b, undefined, b, { ...b, depth: MAX_DEPTH }, { digest: sha(dict), content: dict, depth: 0 }, undefined],
    })
    expect(storedDepth(d)).toBe(2)
    expect(d).toEqual(encodeDelta(data, b))
    expect(whole).toEqual(await z.encode(data))
    expect(readHeader(whole).encoding).toBe('zstd')
    expect(storedDepth(noise)).toBe(0) // compared with the whole chunk (raw), which won
    expect(readHeader(noise).encoding).toBe('raw')
    expect(deep).toEqual(whole) // its base is at the depth bound
    expect(storedDepth(asDict)).toBe(0)
    expect(last).toEqual(await z.encode(plain))
    const bases = memoryBases()
    bases.blobs.set(sha(base), await z.encode(base))
    for (const [stored, want] of [[d, data], [deep, data], [last, plain]] as const) expect(Buffer.from(await z.decode(stored, bases)).equals(want)).toBe(true)
    const [portable] = await f.encodeMany([data], { bases: [b] })
    expect(storedDepth(portable)).toBe(0) // the portable codec writes whole chunks
  })

  it('a base that zstd would read as a dictionary is not used', () => {
    const base = textLike(1000, 9)
    base.set([0x37, 0xa4, 0x30, 0xec])
    expect(encodeDelta(edited(base, 2), { digest: sha(base), content: base, depth: 0 })).toBeUndefined()
  })

  it('a golden delta blob decodes as written (format 1, depth 1)', async () => {
    const base = new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'.repeat(20))
    const want = new TextEncoder().encode('the quick brown fox jumps over the lazy cat\n'.repeat(20))
    const golden = Buffer.from(GOLDEN, 'hex')
    expect(golden.subarray(0, DELTA_HEAD).toString('hex')).toBe(
      '04' + '7003000000000000' + '01' + '01' + sha(base).slice(7) + '70030000',
    )
    const bases = memoryBases(new Map([[sha(base) as Digest, await (await loadCodec('zlib')).encode(base, 3)]]))
    for (const c of await codecs()) expect(new TextDecoder().decode(await c.decode(golden, bases))).toBe(new TextDecoder().decode(want))
  })
})

// Written by node:zlib's zstd 1.5 at level 3 (the blocks may differ in another zstd; they must decode in every one).
const GOLDEN = '04700300000000000001013eb34cb95d0b3e41c23294e1dc393d0da0a76befd2b7cdd0f29c44dd2e28d06e700300007d0000186361740300199faa0080e6560620'
