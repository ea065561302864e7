// Choosing the backend: by name (the store's hash option, STORE_HASH in the CLI), else the
// native one; sha256() needs initHashing().

import { describe, expect, it, vi } from 'vitest'

const load = async () => {
  vi.resetModules()
  return import('../../lib/digest/index.js')
}

describe('loadHashBackend()', () => {
  it('defaults to the native backend (measured faster) and takes the one named', async () => {
    expect((await (await load()).loadHashBackend()).name).toBe('native')
    expect((await (await load()).loadHashBackend('wasm')).name).toBe('wasm')
    expect((await (await load()).loadHashBackend('native')).name).toBe('native')
  })

  it('rejects an unknown backend name with INVALID_ARGUMENT', async () => {
    await expect((await load()).loadHashBackend('md5' as 'wasm')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', data: { name: 'md5' } })
  })

  it('loads each backend once', async () => {
    const m = await load()
    expect(await m.loadHashBackend('wasm')).toBe(await m.loadHashBackend('wasm'))
  })
})

describe('sha256()', () => {
  it('throws a clear error before initHashing(), then hashes with the default backend', async () => {
    const m = await load()
    const data = new TextEncoder().encode('abc')
    expect(() => m.sha256(data)).toThrow(/initHashing/)
    const b = await m.initHashing('wasm')
    expect(b.name).toBe('wasm')
    expect(m.sha256(data)).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('is armed by loading the default backend', async () => {
    const m = await load()
    await m.loadHashBackend()
    expect(m.sha256(new Uint8Array(0))).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})
