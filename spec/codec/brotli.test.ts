// The zlib backend writes brotli (header encoding 2) unless STORE_COMPRESSION=deflate; the
// portable fflate backend reads raw and deflate blobs and refuses brotli with a clear error.

import { afterEach, describe, expect, test } from 'vitest'
import { readFileSync } from 'node:fs'
import { loadCodec, readHeader } from '../../lib/codec/index.js'
import { isStoreError } from '../../lib/errors.js'

afterEach(() => {
  delete process.env.STORE_COMPRESSION
})

const text = new TextEncoder().encode('layered images, chunked and deduplicated\n'.repeat(2000))

describe('brotli encoding', () => {
  test('the zlib codec writes brotli by default and reads it back', async () => {
    const zlib = await loadCodec('zlib')
    const stored = await zlib.encode(text)
    expect(readHeader(stored)).toEqual({ encoding: 'brotli', size: text.length })
    expect(stored.length).toBeLessThan(text.length / 10)
    expect(Buffer.from(await zlib.decode(stored)).equals(Buffer.from(text))).toBe(true)
    const bin = readFileSync(process.execPath).subarray(0, 1 << 20)
    expect(Buffer.from(await zlib.decode(await zlib.encode(bin))).equals(bin)).toBe(true)
  })

  test('STORE_COMPRESSION=deflate makes it write deflate', async () => {
    process.env.STORE_COMPRESSION = 'deflate'
    const zlib = await loadCodec('zlib')
    expect(readHeader(await zlib.encode(text)).encoding).toBe('deflate')
  })

  test('fflate refuses a brotli blob with BAD_CODEC instead of returning garbage', async () => {
    const stored = await (await loadCodec('zlib')).encode(text)
    const e = await (await loadCodec('fflate')).decode(stored).catch((x) => x)
    expect(isStoreError(e, 'BAD_CODEC')).toBe(true)
    expect(String(e.message)).toMatch(/brotli/)
  })

  test('a corrupt brotli payload is BLOB_CORRUPT', async () => {
    const zlib = await loadCodec('zlib')
    const stored = await zlib.encode(text)
    stored[stored.length - 3] ^= 0xff
    stored[20] ^= 0x55
    const e = await zlib.decode(stored).catch((x) => x)
    expect(isStoreError(e, 'BLOB_CORRUPT')).toBe(true)
  })
})
