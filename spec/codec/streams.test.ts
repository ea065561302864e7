// Every encoding each backend has, whole and streamed, interchangeably: what encode() wrote
// decodes as a stream split anywhere, what encodeStream() wrote decodes whole, the length in
// the header is held exactly (a longer output fails as soon as it passes it), a damaged
// payload is BLOB_CORRUPT, and an error of the payload's source is passed on as it is.

import { seededBytes } from '../_fixtures/seeded.js'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeHeader, HEADER_SIZE, loadCodec, readHeader, type Codec, type CodecBackendName, type Encoding } from '../../lib/codec/index.js'

const CASES: [CodecBackendName, Encoding][] = [
  ['zlib', 'zstd'],
  ['fflate', 'zstd'],
  ['zlib', 'brotli'],
  ['zlib', 'deflate'],
  ['zlib', 'raw'],
  ['fflate', 'deflate'],
  ['fflate', 'raw'],
]
const text = new TextEncoder().encode('streamed through its codec, whatever its size\n'.repeat(40_000))
const binary = readFileSync(process.execPath).subarray(0, 3 << 20)

async function* split(b: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0
  for (let i = 0; at < b.length; i++) {
    const n = Math.max(1, sizes.length > 0 ? sizes[i % sizes.length] : b.length)
    yield b.subarray(at, at + n)
    at += n
  }
}

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of src) parts.push(Buffer.from(b))
  return Buffer.concat(parts)
}

const failure = (p: Promise<unknown>) => p.then(() => ({ code: 'no error' }), (e: { code?: string }) => e)

describe.each(CASES)('%s codec, %s', (name, encoding) => {
  const codec = (): Promise<Codec> => loadCodec(name, { encoding })

  it('decodes as a stream, split anywhere, what encode() wrote whole (property)', async () => {
    const c = await codec()
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 20_000 }), fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 8 }), async (data, sizes) => {
        const stored = await c.encode(data)
        const h = readHeader(stored)
        const out = await collect(c.decodeStream(h.encoding, split(stored.subarray(HEADER_SIZE), sizes), h.size))
        expect(out.equals(Buffer.from(data))).toBe(true)
      }),
      { seed: 42, numRuns: 60 },
    )
  })

  it('encodes a multi-MB stream that decodes whole and streamed', async () => {
    const c = await codec()
    for (const data of [text, binary]) {
      const payload = await collect(c.encodeStream(encoding, split(data, [65_536])))
      if (encoding !== 'raw') expect(payload.length).toBeLessThan(data.length)
      const stored = Buffer.concat([encodeHeader(encoding, data.length), payload])
      expect(Buffer.from(await c.decode(stored)).equals(Buffer.from(data))).toBe(true)
      expect((await collect(c.decodeStream(encoding, split(payload, [100_000]), data.length))).equals(Buffer.from(data))).toBe(true)
    }
  })

  it('holds a stream to the length in its header, and calls a damaged payload BLOB_CORRUPT', async () => {
    const c = await codec()
    const payload = await collect(c.encodeStream(encoding, split(text, [])))
    const decode = (p: Uint8Array, size: number) => collect(c.decodeStream(encoding, split(p, [7000]), size))
    expect(await failure(decode(payload, text.length - 1))).toMatchObject({ code: 'BLOB_CORRUPT' })
    expect(await failure(decode(payload, text.length + 1))).toMatchObject({ code: 'BLOB_CORRUPT' })
    if (encoding === 'raw') return
    expect(await failure(decode(payload.subarray(0, payload.length >> 1), text.length))).toMatchObject({ code: 'BLOB_CORRUPT' })
    const bad = Buffer.from(payload)
    for (let i = 3; i < bad.length; i += 97) bad[i] ^= 0x5a
    const got: Buffer | string | undefined = await decode(bad, text.length).then((b) => b, (e: { code?: string }) => e.code)
    // A damaged stream may still decode to something of the right length: then never the original.
    if (typeof got === 'string') expect(got).toBe('BLOB_CORRUPT')
    else expect(got?.equals(Buffer.from(text))).toBe(false)
  })

  it("passes an error of the payload's source on as it is", async () => {
    const c = await codec()
    const payload = await collect(c.encodeStream(encoding, split(seededBytes(300_000), [])))
    const io = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield payload.subarray(0, 1000)
      throw io
    }
    expect(await failure(collect(c.decodeStream(encoding, failing(), 300_000)))).toBe(io)
  })
})
