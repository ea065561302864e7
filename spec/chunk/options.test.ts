// Options are validated before any byte is chunked; the loader takes the chunker named.

import { describe, expect, it } from 'vitest'
import { Codes, isStoreError } from '../../lib/errors.js'
import { DEFAULT_CHUNKER_OPTIONS, loadChunker, resolveChunkerOptions } from '../../lib/chunk/index.js'

const invalid = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    expect(isStoreError(e, Codes.INVALID_ARGUMENT)).toBe(true)
    return (e as Error).message
  }
  throw new Error('expected INVALID_ARGUMENT')
}

describe('resolveChunkerOptions()', () => {
  it('fills the defaults: 16 KiB / 64 KiB / 256 KiB', () => {
    expect(DEFAULT_CHUNKER_OPTIONS).toEqual({ min: 16384, avg: 65536, max: 262144 })
    expect(resolveChunkerOptions({})).toMatchObject(DEFAULT_CHUNKER_OPTIONS)
    expect(resolveChunkerOptions({ avg: 1 << 20, max: 1 << 22 })).toMatchObject({ min: 16384, avg: 1 << 20, max: 1 << 22 })
  })

  it('rejects an avg that is not a power of two', () => {
    expect(invalid(() => resolveChunkerOptions({ avg: 65535 }))).toMatch(/power of two/)
  })

  it('rejects min >= avg and avg >= max', () => {
    expect(invalid(() => resolveChunkerOptions({ min: 65536 }))).toMatch(/min < avg < max/)
    expect(invalid(() => resolveChunkerOptions({ max: 65536 }))).toMatch(/min < avg < max/)
  })

  it('rejects sizes outside sane bounds and non-integers', () => {
    invalid(() => resolveChunkerOptions({ min: 10, avg: 256, max: 1024 }))
    invalid(() => resolveChunkerOptions({ min: 64, avg: 128, max: 1024 }))
    invalid(() => resolveChunkerOptions({ avg: 1 << 29, max: 1 << 30 }))
    invalid(() => resolveChunkerOptions({ max: 2 ** 31 }))
    invalid(() => resolveChunkerOptions({ min: 1000.5 }))
    invalid(() => resolveChunkerOptions({ min: Number.NaN }))
  })

  it('is checked by create() of both implementations', async () => {
    for (const name of ['wasm', 'ts'] as const) {
      const impl = await loadChunker(name)
      invalid(() => impl.create({ min: 1 << 20 }))
    }
  })
})

describe('loadChunker()', () => {
  it('defaults to wasm and takes the one named (the store\'s chunker, STORE_CHUNKER in the CLI)', async () => {
    expect((await loadChunker()).name).toBe('wasm')
    expect((await loadChunker('ts')).name).toBe('ts')
    expect((await loadChunker('wasm')).name).toBe('wasm')
  })

  it('rejects an unknown name with INVALID_ARGUMENT', async () => {
    await expect(loadChunker('simd' as 'ts')).rejects.toMatchObject({ code: Codes.INVALID_ARGUMENT })
  })
})
