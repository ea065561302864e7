// Configuration is resolved once, at the edge (lib/config.ts): the CLI reads STORE_* there, a
// program passes options to openStore, and nothing below reads the environment, at load or
// later, so a library user's store never changes with a variable it did not pass.

import { afterEach, describe, expect, test, vi } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { configFromEnv } from '../lib/config.js'
import { tempStore } from './_fixtures/store.js'

const lib = join(import.meta.dirname, '../lib')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : f.endsWith('.ts') ? [p] : []
  })
}

test('lib/config.ts is the only module of lib/ that reads the environment', () => {
  const readers = sources(lib).filter((f) => /\bprocess\.env\b|\.process\?\.env|\bDeno\.env\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(lib, f))
  expect(readers).toEqual(['config.ts'])
})

describe('configFromEnv', () => {
  test('maps the CLI\'s variables, an empty one as unset, and the two switches that default on', () => {
    expect(configFromEnv({})).toEqual({ deltas: true, importMemo: true, certsDirs: ['/etc/docker/certs.d'] })
    expect(configFromEnv({
      STORE_DRIVER: 'copy', STORE_SNAPSHOT_SHARING: 'hardlink', STORE_HASH: 'wasm', STORE_CHUNKER: 'ts', STORE_CODEC: 'fflate',
      STORE_COMPRESSION: 'deflate', STORE_DELTA: '0', STORE_IMPORT_MEMO: '0', STORE_ROOT: '/elsewhere',
    })).toEqual({
      driver: 'copy', sharing: 'hardlink', hash: 'wasm', chunker: 'ts', codec: 'fflate', compression: 'deflate', deltas: false, importMemo: false,
      certsDirs: ['/etc/docker/certs.d'],
    })
    expect(configFromEnv({ STORE_HASH: '', STORE_DELTA: '1' })).toMatchObject({ hash: undefined, deltas: true })
  })

  test("Docker's certs.d folders: the user's (XDG_CONFIG_HOME, else ~/.config), then the system's", () => {
    expect(configFromEnv({ HOME: '/h' }).certsDirs).toEqual(['/h/.config/docker/certs.d', '/etc/docker/certs.d'])
    expect(configFromEnv({ HOME: '/h', XDG_CONFIG_HOME: '/x' }).certsDirs).toEqual(['/x/docker/certs.d', '/etc/docker/certs.d'])
  })
})

describe('openStore takes its configuration from its options only', () => {
  let cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    vi.unstubAllEnvs()
    for (const c of cleanups) await c()
    cleanups = []
  })
  const open = async (config: Parameters<typeof tempStore>[1]) => {
    const t = await tempStore(undefined, config)
    cleanups.push(t.cleanup)
    return t.store
  }

  test('the backends named are the ones it uses', async () => {
    const s = await open({ hash: 'wasm', chunker: 'ts' })
    expect([s.hash.name, s.chunker.name]).toEqual(['wasm', 'ts'])
    const d = await open({})
    expect([d.hash.name, d.chunker.name]).toEqual(['native', 'wasm'])
  })

  test('a bad value is refused with the setting named', async () => {
    await expect(open({ codec: 'lz4' as 'zlib' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/unknown codec "lz4"/) })
    await expect(open({ codec: 'fflate', compression: 'brotli' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/fflate codec cannot write brotli/) })
  })

  test('the CLI\'s variables do not reach a program\'s store', async () => {
    vi.stubEnv('STORE_CHUNKER', 'ts')
    vi.stubEnv('STORE_HASH', 'wasm')
    vi.stubEnv('STORE_IMPORT_MEMO', '0')
    const s = await open({})
    expect([s.hash.name, s.chunker.name, s.options.importMemo]).toEqual(['native', 'wasm', undefined])
  })
})
