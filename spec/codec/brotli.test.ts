// The zlib backend writes brotli (header encoding 2) when asked (its default is zstd); the
// portable fflate backend reads raw, deflate and zstd blobs and refuses brotli with a clear error.

import { describe, expect, test } from 'vitest'
import { readFileSync } from 'node:fs'
import { loadCodec, readHeader } from '../../lib/codec/index.js'
import { isStoreError } from '../../lib/errors.js'

const text = new TextEncoder().encode('layered images, chunked and deduplicated\n'.repeat(2000))

describe('brotli encoding', () => {
  test('the zlib codec writes brotli when asked and reads it back', async () => {
    const zlib = await loadCodec('zlib', { encoding: 'brotli' })
    const stored = await zlib.encode(text)
    expect(readHeader(stored)).toEqual({ encoding: 'brotli', size: text.length })
    expect(stored.length).toBeLessThan(text.length / 10)
    expect(Buffer.from(await zlib.decode(stored)).equals(Buffer.from(text))).toBe(true)
    const bin = readFileSync(process.execPath).subarray(0, 1 << 20)
    expect(Buffer.from(await zlib.decode(await zlib.encode(bin))).equals(bin)).toBe(true)
  })

  test('compression deflate (STORE_COMPRESSION=deflate in the CLI) makes it write deflate', async () => {
    const zlib = await loadCodec('zlib', { encoding: 'deflate' })
    expect(readHeader(await zlib.encode(text)).encoding).toBe('deflate')
  })

  test('fflate refuses a brotli blob with BAD_CODEC instead of returning garbage', async () => {
    const stored = await (await loadCodec('zlib', { encoding: 'brotli' })).encode(text)
    const e = await (await loadCodec('fflate')).decode(stored).catch((x) => x)
    expect(isStoreError(e, 'BAD_CODEC')).toBe(true)
    expect(String(e.message)).toMatch(/brotli/)
  })

  for (const encoding of ['brotli', 'zstd'] as const) {
    test(`a corrupt ${encoding} payload is BLOB_CORRUPT, for either backend that reads it`, async () => {
      const zlib = await loadCodec('zlib', { encoding })
      const stored = await zlib.encode(text)
      expect(readHeader(stored).encoding).toBe(encoding)
      stored[stored.length - 3] ^= 0xff
      stored[20] ^= 0x55
      for (const c of encoding === 'zstd' ? [zlib, await loadCodec('fflate')] : [zlib]) {
        const e = await c.decode(stored).catch((x) => x)
        expect(isStoreError(e, 'BLOB_CORRUPT')).toBe(true)
      }
    })
  }
})
