// One contract suite for both codecs (fflate and node:zlib): round trips, the raw fallback, the
// header, corruption, and that each reads what the other wrote. GNU gzip checks the payload is
// standard raw DEFLATE.

import { execFileSync } from 'node:child_process'
import { seededBytes } from '../_fixtures/seeded.js'
import { readFileSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HEADER_SIZE, loadCodec, readHeader, type Codec, type CodecBackendName } from '../../lib/codec/index.js'

// These contracts are about the DEFLATE format both backends share; the zlib backend's default,
// brotli, is covered in spec/codec/brotli.test.ts, streams of every encoding in streams.test.ts.
const DEFLATE = { encoding: 'deflate' } as const

const NAMES: CodecBackendName[] = ['fflate', 'zlib']
const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'.repeat(3000))
const binary = readFileSync('/usr/bin/ls')

async function codecError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e, 'decode should have failed').toBeDefined()
  return (e as { code?: string }).code ?? 'no code'
}

/** Wraps a raw DEFLATE payload in a gzip member, so `gzip -d` can judge it. */
function gzipOf(payload: Uint8Array, original: Uint8Array): Buffer {
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc32(original), 0)
  trailer.writeUInt32LE(original.length >>> 0, 4)
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), payload, trailer])
}

describe.each(NAMES)('%s codec', (name) => {
  const codec = () => loadCodec(name, DEFLATE)

  it('round-trips text and a real binary, compressing both', async () => {
    const c = await codec()
    expect(c.name).toBe(name)
    for (const data of [text, binary]) {
      const stored = await c.encode(data)
      expect(readHeader(stored)).toEqual({ encoding: 'deflate', size: data.length })
      expect(stored.length).toBeLessThan(data.length)
      expect(Buffer.from(await c.decode(stored)).equals(Buffer.from(data))).toBe(true)
    }
  })

  it('round-trips any bytes at any level (property)', async () => {
    const c = await codec()
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 5000 }), fc.string({ maxLength: 5000 }).map((s) => new TextEncoder().encode(s))),
        fc.integer({ min: 0, max: 9 }),
        async (data, level) => {
          const stored = await c.encode(data, level)
          const h = readHeader(stored)
          expect(h.size).toBe(data.length)
          // Never larger than raw storage.
          expect(stored.length).toBeLessThanOrEqual(HEADER_SIZE + data.length)
          expect(await c.decode(stored)).toEqual(data)
        },
      ),
      { numRuns: 100, seed: 42 },
    )
  })

  it('stores random data and empty input raw', async () => {
    const c = await codec()
    const data = seededBytes(100_000)
    const stored = await c.encode(data)
    expect(readHeader(stored)).toEqual({ encoding: 'raw', size: data.length })
    expect(stored.length).toBe(HEADER_SIZE + data.length)
    expect(Buffer.from(stored.subarray(HEADER_SIZE)).equals(data)).toBe(true)
    const empty = await c.encode(new Uint8Array(0))
    expect(readHeader(empty)).toEqual({ encoding: 'raw', size: 0 })
    expect((await c.decode(empty)).length).toBe(0)
  })

  it('writes the header as encoding byte and u64 LE length', async () => {
    const c = await codec()
    const stored = await c.encode(text)
    expect(stored[0]).toBe(1)
    expect(Buffer.from(stored).readBigUInt64LE(1)).toBe(BigInt(text.length))
    const raw = await c.encode(text, 0)
    expect(raw[0]).toBe(0)
    expect(Buffer.from(raw).readBigUInt64LE(1)).toBe(BigInt(text.length))
  })

  it('writes standard raw DEFLATE that GNU gzip decompresses', async () => {
    const c = await codec()
    const stored = await c.encode(binary, 6)
    const out = execFileSync('gzip', ['-dc'], { input: gzipOf(stored.subarray(HEADER_SIZE), binary), maxBuffer: 1 << 26 })
    expect(out.equals(binary)).toBe(true)
  })

  it('rejects a corrupt payload with BAD_CODEC or BLOB_CORRUPT', async () => {
    const c = await codec()
    const stored = await c.encode(text)
    for (const at of [HEADER_SIZE, HEADER_SIZE + 3, (stored.length >> 1) | 0, stored.length - 2]) {
      const bad = stored.slice()
      bad[at] ^= 0xff
      // A flipped bit may still inflate to something; it must then be caught by the length
      // check here, or by the digest check in the content store. Never the original bytes.
      const got: Uint8Array | string = await c.decode(bad).then(
        (d) => d,
        (e: { code?: string }) => e.code ?? 'no code',
      )
      if (typeof got === 'string') expect(['BAD_CODEC', 'BLOB_CORRUPT']).toContain(got)
      else expect(Buffer.from(got).equals(Buffer.from(text))).toBe(false)
    }
    expect(await codecError(c.decode(stored.subarray(0, stored.length - 10)))).toBe('BLOB_CORRUPT')
    expect(await codecError(c.decode(new Uint8Array([1, 5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff])))).toMatch(/BAD_CODEC|BLOB_CORRUPT/)
  })

  it('rejects a payload whose length differs from the header', async () => {
    const c = await codec()
    for (const stored of [await c.encode(text), await c.encode(text, 0)]) {
      const longer = stored.slice()
      longer[1] -= 1 // header now says one byte less than the payload holds
      expect(await codecError(c.decode(longer))).toBe('BLOB_CORRUPT')
      const shorter = stored.slice()
      shorter[1] += 1
      expect(await codecError(c.decode(shorter))).toBe('BLOB_CORRUPT')
    }
  })

  it('rejects a truncated header and an unknown encoding with BAD_CODEC', async () => {
    const c = await codec()
    const stored = await c.encode(text)
    expect(await codecError(c.decode(stored.subarray(0, 5)))).toBe('BAD_CODEC')
    expect(await codecError(c.decode(new Uint8Array(0)))).toBe('BAD_CODEC')
    const unknown = stored.slice()
    unknown[0] = 7
    expect(await codecError(c.decode(unknown))).toBe('BAD_CODEC')
    expect(() => readHeader(stored.subarray(0, 8))).toThrow(expect.objectContaining({ code: 'BAD_CODEC' }))
  })
})

describe('fflate and zlib', () => {
  it('decode each other’s output at every level', async () => {
    const [a, b] = await Promise.all(NAMES.map((n) => loadCodec(n, DEFLATE))) as [Codec, Codec]
    for (const level of [1, 6, 9]) {
      for (const data of [text, binary]) {
        expect(Buffer.from(await b.decode(await a.encode(data, level))).equals(Buffer.from(data))).toBe(true)
        expect(Buffer.from(await a.decode(await b.encode(data, level))).equals(Buffer.from(data))).toBe(true)
      }
    }
  })
})

describe('loadCodec()', () => {
  it('defaults to zlib, takes the one named (the store\'s codec, STORE_CODEC in the CLI), rejects unknown names', async () => {
    expect((await loadCodec()).name).toBe('zlib')
    expect((await loadCodec('fflate')).name).toBe('fflate')
    await expect(loadCodec('lz4' as 'zlib')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('writes the best encoding the backend has unless one is asked for (compression), and refuses one it lacks', async () => {
    expect((await loadCodec('zlib')).encoding).toBe('zstd')
    expect((await loadCodec('fflate')).encoding).toBe('zstd')
    expect((await loadCodec('zlib', { encoding: 'raw' })).encoding).toBe('raw')
    await expect(loadCodec('fflate', { encoding: 'brotli' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(loadCodec('zlib', { encoding: 'lz4' as 'raw' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect((await loadCodec('zlib', { encoding: 'deflate' })).encoding).toBe('deflate')
  })
})
