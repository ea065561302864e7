// Importing a folder again takes each unchanged file's content from its last import, and the
// layer is exactly the one a full read makes: same diffID, same index, same tar bytes, for
// every kind of change. Whatever was reused is in the store (fsck), even after a gc.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { chmod, link, mkdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempStore, collect } from '../_fixtures/store.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { importImage } from '../../lib/image/import.js'
import { removeImages } from '../../lib/index.js'
import { collectGarbage } from '../../lib/system/gc.js'
import { fsck } from '../../lib/fsck.js'
import { dirTar, layerTar, loadIndex, type TreeIngestResult } from '../../lib/layer/index.js'
import { AHEAD, HELD_MAX } from '../../lib/layer/ingestTree.js'
import { WINDOW } from '../../lib/layer/_scan.js'

let t: Awaited<ReturnType<typeof tempStore>>
let src: string
beforeEach(async () => {
  t = await tempStore()
  src = join(t.dir, 'tree')
  await tree(src)
})
afterEach(async () => {
  await t.cleanup()
})

/** Files inline (≤ 128 bytes) and chunked, one of several chunks and read ranges, links. */
async function tree(root: string): Promise<void> {
  for (let d = 0; d < 4; d++) {
    await mkdir(join(root, `d${d}`), { recursive: true })
    for (let f = 0; f < 6; f++) await writeFile(join(root, `d${d}/small${f}`), `d${d} f${f}\n`)
    await writeFile(join(root, `d${d}/medium`), seededBytes(4000 + d, 100 + d))
  }
  await writeFile(join(root, 'big'), seededBytes(3 * (1 << 20), 7)) // several chunks, several ranges
  await symlink('d0/small0', join(root, 'link'))
  await link(join(root, 'd1/medium'), join(root, 'hard'))
}

let tags = 0
/** An import; without `memo`, as the store's importMemo off (STORE_IMPORT_MEMO=0) makes it: every file read. */
async function imported(memo = true) {
  const store = memo ? t.store : { ...t.store, options: { ...t.store.options, importMemo: false } }
  return importImage(store, { source: src, tag: `t/t:${++tags}` })
}

/** Reimport with reuse and with a full read: one layer, the folder's tar, fsck clean. */
async function sameAsFullRead(): Promise<TreeIngestResult> {
  const reuse = await imported()
  const full = await imported(false)
  expect(reuse.layer.diffId).toBe(full.layer.diffId)
  expect(reuse.stats!.index).toBe(full.stats!.index)
  const tar = await collect(layerTar(t.store.cas, await loadIndex(t.store.cas, reuse.stats!.index)))
  expect(tar.equals(await collect(dirTar(src)))).toBe(true)
  expect((await fsck(t.store)).problems).toEqual([])
  return reuse.stats as TreeIngestResult
}

const FILES = 4 * 7 + 1 // regular files with content (the hardlink's second name has none)

describe('a folder imported again', () => {
  let first: string
  beforeEach(async () => {
    const r = await imported()
    expect(r.stats).toBeDefined()
    first = r.tag!.toString()
  })

  test('unchanged: the same layer, nothing read', async () => {
    const again = await imported()
    expect(again.stats).toBeUndefined()
  })

  test('one new file: only it is read; inline files are not read at all', async () => {
    await writeFile(join(src, 'd2/new'), 'new\n')
    const s = await sameAsFullRead()
    expect(s.reused).toBe(FILES)
    // Chunked files are read to hash the tar for the diffID and checked against their chunks.
    expect(s.read).toBe(1 + 4 + 1)
  })

  test('content changed with the same size and mtime (only the ctime tells) is read again', async () => {
    const f = join(src, 'd3/small2')
    const before = await stat(f)
    await new Promise((r) => setTimeout(r, 20))
    await writeFile(f, 'D3 F2\n')
    await utimes(f, before.atime, before.mtime)
    const s = await sameAsFullRead()
    expect(s.reused).toBe(FILES - 1)
  })

  test('a chunked file changed in place, same size: its chunks are checked, the changed one written anew', async () => {
    const f = join(src, 'big')
    const bytes = seededBytes(3 * (1 << 20), 7)
    bytes[2 * (1 << 20)] ^= 0xff
    const before = await stat(f)
    await writeFile(f, bytes)
    await utimes(f, before.atime, before.mtime)
    const s = await sameAsFullRead()
    expect(s.reused).toBe(FILES - 1)
    expect(s.newBytes).toBeGreaterThan(0)
  })

  test('renamed, deleted, a file become a symlink and a dir, a permission changed', async () => {
    await rename(join(src, 'd0/small1'), join(src, 'd0/renamed'))
    await rm(join(src, 'd1/small3'))
    await rm(join(src, 'd2/small4'))
    await symlink('elsewhere', join(src, 'd2/small4'))
    await rm(join(src, 'd3/medium'))
    await mkdir(join(src, 'd3/medium'))
    await writeFile(join(src, 'd3/medium/inside'), 'inside\n')
    await chmod(join(src, 'd0/small5'), 0o600)
    const s = await sameAsFullRead()
    // Not reused: the renamed one (a new path), the permission change; gone: small3, small4, d3/medium.
    expect(s.reused).toBe(FILES - 3 - 2)
  })

  test('every file touched (fingerprints changed, bytes not): all read, the chunked ones checked against their last chunks, not cut again', async () => {
    const later = new Date(Date.now() + 60_000)
    for (const f of ['big', 'd0/medium', 'd1/medium', 'd2/medium', 'd3/medium', 'd0/small0']) await utimes(join(src, f), later, later)
    const s = await sameAsFullRead()
    expect(s.newBytes).toBe(0)
    // The inline small file is read (its fingerprint no longer vouches for it); the chunked ones
    // are read and their bytes hash to their last chunks: reused without a cut.
    expect(s.reused).toBe(FILES - 1)
    expect(s.read).toBe(1 + 4 + 1)
  })

  test('with fingerprints not trusted (STORE_IMPORT_MEMO=0) every file is read; chunks still come from the last import where the bytes are theirs', async () => {
    const f = join(src, 'big')
    const bytes = seededBytes(3 * (1 << 20), 7)
    bytes[100] ^= 0xff // the first chunk differs: the rest of the file is cut anew from there
    await writeFile(f, bytes)
    const full = (await imported(false)).stats as TreeIngestResult
    expect(full.read).toBe(FILES) // every file with content, inline ones too
    expect(full.reused).toBe(4) // the four medium files: checked, unchanged
    expect(full.newBytes).toBeGreaterThan(0)
    const tar = await collect(layerTar(t.store.cas, await loadIndex(t.store.cas, full.index)))
    expect(tar.equals(await collect(dirTar(src)))).toBe(true)
    expect((await fsck(t.store)).problems).toEqual([])
  })

  test('a file whose last import was garbage-collected is read, never referenced', async () => {
    await removeImages(t.store, [first], { force: true })
    await collectGarbage(t.store)
    expect(await t.store.layers.list()).toEqual([])
    await writeFile(join(src, 'd2/new'), 'new\n')
    const s = await sameAsFullRead()
    expect(s.reused).toBe(0)
  })
})

test('a folder of many files is walked through a window: what is held does not grow with it', async () => {
  // More entries than the planner may hold (HELD_MAX) plus its runs ahead (AHEAD, 101 entries a run here).
  const many = join(t.dir, 'many')
  const dirs = Math.ceil((2 * (HELD_MAX + AHEAD * 101)) / 101)
  for (let d = 0; d < dirs; d++) {
    await mkdir(join(many, `d${d}`), { recursive: true })
    for (let f = 0; f < 100; f++) await writeFile(join(many, `d${d}/f${f}`), `${d}.${f}`)
  }
  const r = (await importImage(t.store, { source: many, tag: 'many:1' })).stats as TreeIngestResult
  expect(r.entries).toBe(dirs * 101)
  expect(r.peakAhead).toBeLessThanOrEqual(WINDOW) // listing jobs: the scan's window
  expect(r.heldPeak).toBeLessThanOrEqual(HELD_MAX + AHEAD * 101)
  expect(r.heldPeak).toBeLessThan(r.entries / 2)
})
