// Layer round trip: a tar in, the same tar out, byte for byte, whatever the tar and however it
// was split into reads; identical content stored once whatever its path, mtime or owner.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { mkdir, writeFile, readFile, symlink, lstat, readlink, readdir } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { tempStore, collect, fromBuffer } from '../_fixtures/store.js'
import type { Store } from '../../lib/store.js'
import { applyLayer, dirTar, ingestTar, layerTar, loadIndex, indexChunks } from '../../lib/layer/index.js'
import { encodeHeader, END_OF_ARCHIVE, type TarHeader } from '../../lib/tar/index.js'
import { isStoreError } from '../../lib/errors.js'
import type { HashBackendName } from '../../lib/digest/index.js'
import type { ChunkerImplName } from '../../lib/chunk/index.js'

let t: Awaited<ReturnType<typeof tempStore>>
let store: Store
beforeEach(async () => {
  t = await tempStore()
  store = t.store
})
afterEach(async () => {
  await t.cleanup()
})

const deps = () => ({ cas: store.cas, hash: store.hash, chunker: store.chunker, workers: store.workers })
const sha = (b: Uint8Array) => 'sha256:' + createHash('sha256').update(b).digest('hex')

function hdr(name: string, over: Partial<TarHeader> = {}): TarHeader {
  return { name, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size: 0, mtime: 1700000000, linkname: '', devmajor: 0, devminor: 0, xattrs: {}, ...over }
}

function tarOf(files: { name: string; data: Uint8Array; uid?: number; mtime?: number }[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const f of files) {
    parts.push(encodeHeader(hdr(f.name, { size: f.data.length, uid: f.uid ?? 0, mtime: f.mtime ?? 1700000000 })))
    parts.push(f.data)
    if (f.data.length % 512) parts.push(new Uint8Array(512 - (f.data.length % 512)))
  }
  parts.push(END_OF_ARCHIVE)
  return Buffer.concat(parts)
}

describe.each([
  ['native', 'wasm'],
  ['wasm', 'ts'],
])('ingestTar() and layerTar() with the %s hash and the %s chunker', (hash, chunker) => {
  beforeEach(async () => {
    await t.cleanup()
    t = await tempStore(undefined, { hash: hash as HashBackendName, chunker: chunker as ChunkerImplName })
    store = t.store
    expect([store.hash.name, store.chunker.name]).toEqual([hash, chunker])
  })

  test('rebuild any archive byte for byte, however it is split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,12}(\/[a-z]{1,12}){0,3}$/), data: fc.uint8Array({ maxLength: 70_000 }) }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 50 }),
        async (files, pieces) => {
          const tar = tarOf(files)
          const r = await ingestTar(deps(), fromBuffer(tar, pieces))
          expect(r.diffId).toBe(sha(tar))
          const out = await collect(layerTar(store.cas, await loadIndex(store.cas, r.index)))
          expect(Buffer.compare(out, Buffer.from(tar))).toBe(0)
        },
      ),
      { numRuns: 40, seed: 42 },
    )
  })
})

describe('ingestTar() and layerTar()', () => {

  test('identical content is stored once whatever its path, mtime or owner', async () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251)
    const a = await ingestTar(deps(), fromBuffer(tarOf([{ name: 'a/one', data }])))
    expect(a.newBytes).toBe(data.length)
    const b = await ingestTar(deps(), fromBuffer(tarOf([{ name: 'elsewhere/two', data, uid: 1000, mtime: 1 }])))
    expect(b.diffId).not.toBe(a.diffId)
    expect(b.newBytes).toBe(0)
    const hexes = async (index: typeof a.index) => {
      const out: string[] = []
      for await (const [hex] of indexChunks(store.cas, index)) out.push(hex)
      return out
    }
    const ca = await hexes(a.index)
    const cb = await hexes(b.index)
    expect(cb).toEqual(ca)
  })

  test('refuses entries that escape the root', async () => {
    for (const name of ['../evil', '/etc/passwd', 'a/../../b']) {
      const tar = tarOf([{ name, data: new Uint8Array(1) }])
      const e = await ingestTar(deps(), fromBuffer(tar)).catch((x) => x)
      expect(isStoreError(e, 'PATH_ESCAPE'), String(e)).toBe(true)
    }
    const viaLink = Buffer.concat([
      encodeHeader(hdr('link', { type: 'symlink', linkname: '/etc' })),
      encodeHeader(hdr('link/passwd', { size: 0 })),
      END_OF_ARCHIVE,
    ])
    const e = await ingestTar(deps(), fromBuffer(viaLink)).catch((x) => x)
    expect(isStoreError(e, 'PATH_ESCAPE')).toBe(true)
    const hard = Buffer.concat([encodeHeader(hdr('h', { type: 'hardlink', linkname: '../../etc/shadow' })), END_OF_ARCHIVE])
    expect(isStoreError(await ingestTar(deps(), fromBuffer(hard)).catch((x) => x), 'PATH_ESCAPE')).toBe(true)
  })
})

describe('dirTar()', () => {
  test('a folder tar is deterministic and GNU tar reads it back identically', async () => {
    const src = join(t.dir, 'src')
    await mkdir(join(src, 'd/e'), { recursive: true })
    await writeFile(join(src, 'd/e/f.txt'), 'hello\n')
    await writeFile(join(src, 'big'), Buffer.alloc(200_000, 3))
    await symlink('d/e/f.txt', join(src, 'ln'))
    const one = await collect(dirTar(src))
    const two = await collect(dirTar(src))
    expect(one.equals(two)).toBe(true)
    const out = join(t.dir, 'out')
    await mkdir(out)
    const r = spawnSync('tar', ['-x', '-C', out], { input: one })
    expect(r.status, r.stderr?.toString()).toBe(0)
    expect(await readFile(join(out, 'd/e/f.txt'), 'utf8')).toBe('hello\n')
    expect(await readlink(join(out, 'ln'))).toBe('d/e/f.txt')
    expect((await readFile(join(out, 'big'))).length).toBe(200_000)
  })
})

describe('applyLayer()', () => {
  async function layerFrom(entries: Uint8Array[]) {
    const r = await ingestTar(deps(), fromBuffer(Buffer.concat([...entries, END_OF_ARCHIVE])))
    return loadIndex(store.cas, r.index)
  }
  const file = (name: string, body: string) => {
    const b = Buffer.from(body)
    return Buffer.concat([encodeHeader(hdr(name, { size: b.length })), b, Buffer.alloc((512 - (b.length % 512)) % 512)])
  }

  test('plain mode: whiteouts delete, opaque dirs hide lower children only', async () => {
    const root = join(t.dir, 'plain')
    await mkdir(root)
    await applyLayer(store.cas, await layerFrom([encodeHeader(hdr('etc/', { type: 'dir', mode: 0o755 })), file('etc/a', 'A'), file('etc/b', 'B'), file('keep', 'K'), file('gone', 'G')]), root, { mode: 'plain' })
    await applyLayer(store.cas, await layerFrom([file('etc/new', 'N'), file('etc/.wh..wh..opq', ''), file('.wh.gone', '')]), root, { mode: 'plain' })
    expect((await readdir(join(root, 'etc'))).sort()).toEqual(['new'])
    expect((await readdir(root)).sort()).toEqual(['etc', 'keep'])
  })

  test('overlay mode: whiteouts become 0/0 char devices and opaque xattrs', async () => {
    const root = join(t.dir, 'snap')
    await mkdir(root)
    await applyLayer(store.cas, await layerFrom([encodeHeader(hdr('etc/', { type: 'dir', mode: 0o755 })), file('etc/.wh..wh..opq', ''), file('.wh.gone', '')]), root, { mode: 'overlay' })
    const st = await lstat(join(root, 'gone'))
    expect(st.isCharacterDevice()).toBe(true)
    expect(Number(st.rdev)).toBe(0)
    const x = spawnSync('getfattr', ['-n', 'trusted.overlay.opaque', '--only-values', join(root, 'etc')], { encoding: 'utf8' })
    expect(x.stdout).toBe('y')
  })
})
