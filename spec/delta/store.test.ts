// Deltas in the content store: a version imported after another stores its edited chunks as
// deltas (flagged in the pack index), every layer still rebuilds byte for byte, gc keeps the
// bases of the deltas it keeps (the first version's image removed, the second still whole),
// the portable backend reads what the native one wrote, deltas off writes none, and a lost
// base is named by fsck.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { readHead } from '../../lib/codec/delta/_segment.js'
import { join } from 'node:path'
import { tempStore, collect } from '../_fixtures/store.js'
import { importImage } from '../../lib/image/import.js'
import { removeImages } from '../../lib/index.js'
import { fsck } from '../../lib/fsck.js'
import { dirTar, layerTar, loadIndex } from '../../lib/layer/index.js'
import { createContentStore } from '../../lib/cas/createContentStore.js'
import { loadCodec } from '../../lib/codec/index.js'
import { loadHashBackend } from '../../lib/digest/index.js'
import { parseIndex } from '../../lib/cas/_packIndex.js'
import { deltaRef } from '../../lib/codec/delta/index.js'
import type { Digest } from '../../lib/digest/digest.js'
import { edited, textLike } from './_data.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(async () => {
  await t.cleanup()
})

/** Version `v` of a tree of text files: each release edits every file a little. */
async function release(v: number): Promise<string> {
  const dir = join(t.dir, `v${v}`)
  await mkdir(dir, { recursive: true })
  for (let f = 0; f < 6; f++) {
    let content = textLike(200_000 + f * 1000, 100 + f)
    for (let k = 1; k <= v; k++) content = edited(content, 10 * f + k)
    await writeFile(join(dir, `file${f}.js`), content)
  }
  return dir
}

async function imported(v: number): Promise<{ id: Digest; layer: string; dir: string }> {
  const dir = await release(v)
  const r = await importImage(t.store, { source: dir, tag: `app:${v}` })
  return { id: r.id, layer: r.stats!.index, dir }
}

/** Pack entries: how many, and how many are deltas (by the index's flag). */
async function entries(root = t.store.layout): Promise<{ all: number; deltas: number; bases: Digest[] }> {
  let all = 0
  let deltas = 0
  const bases: Digest[] = []
  for (const f of (await readdir(root.packsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.idx'))) {
    const name = f.slice(0, -4)
    const ix = parseIndex(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(root.packIndex(name)))), name)
    for (let i = 0; i < ix.count; i++) {
      all++
      if (!ix.isDelta(i)) continue
      deltas++
      const fs = await import('node:fs')
      const fd = fs.openSync(root.pack(name), 'r')
      const head = Buffer.alloc(47)
      fs.readSync(fd, head, 0, 47, ix.offset(i) + 36)
      fs.closeSync(fd)
      bases.push(deltaRef(head)!.base)
    }
  }
  return { all, deltas, bases }
}

/** Rows in the resemblance index's segments. */
async function indexRows(): Promise<number> {
  const dir = t.store.layout.resemblanceDir
  let rows = 0
  for (const f of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.rix'))) {
    const bytes = new Uint8Array(readFileSync(join(dir, f)))
    rows += readHead((at, n) => bytes.subarray(at, at + n), bytes.length)?.rows ?? 0
  }
  return rows
}

async function tarOf(layer: string, cas = t.store.cas): Promise<Buffer> {
  return collect(layerTar(cas, await loadIndex(cas, layer as Digest)))
}

describe('deltas in the store', () => {
  test('a second release stores its edited chunks as deltas; both rebuild byte for byte; fsck is clean', async () => {
    const v1 = await imported(1)
    const before = await entries()
    const v2 = await imported(2)
    const after = await entries()
    expect(after.deltas).toBeGreaterThan(before.deltas)
    expect((await tarOf(v1.layer)).equals(await collect(dirTar(v1.dir)))).toBe(true)
    expect((await tarOf(v2.layer)).equals(await collect(dirTar(v2.dir)))).toBe(true)
    expect((await fsck(t.store)).problems).toEqual([])
  })

  test('a twin put while its base is still being compressed is a delta against it, after it in the pack', async () => {
    const a = textLike(60_000, 7)
    const b = edited(a, 8)
    const batch = t.store.cas.chunkBatch()
    await batch.put(textLike(1000, 9)) // the batch's pack table and resemblance index are loaded
    // a is planned and queued for the workers within this turn's microtasks; the queue is sent
    // by an immediate scheduled after this one: b is planned while a is not yet compressed.
    const first = batch.put(a)
    await new Promise((r) => setImmediate(r))
    const [pa, pb] = await Promise.all([first, batch.put(b)])
    await batch.commit()
    const e = await entries()
    expect(e).toMatchObject({ all: 3, deltas: 1, bases: [pa.digest] })
    expect(pb.stored).toBeLessThan(pa.stored / 4)
    const [name] = (await readdir(t.store.layout.packsDir)).filter((n) => n.endsWith('.idx')).map((n) => n.slice(0, -4))
    const ix = parseIndex(new Uint8Array(readFileSync(t.store.layout.packIndex(name))), name)
    const at = (d: Digest) => ix.offset(ix.find(Buffer.from(d.slice(7), 'hex')))
    expect(at(pa.digest)).toBeLessThan(at(pb.digest))
    expect(Buffer.from(await t.store.cas.get(pb.digest)).equals(Buffer.from(b))).toBe(true)
    expect((await fsck(t.store)).problems).toEqual([])
  })

  test('gc keeps the bases of the deltas it keeps: the first release removed, the second still rebuilds', async () => {
    await imported(1)
    await imported(2)
    const v3 = await imported(3)
    const { bases } = await entries()
    expect(bases.length).toBeGreaterThan(0)
    await removeImages(t.store, ['app:1', 'app:2'], { force: false })
    expect((await t.store.images.list()).length).toBe(1)
    // Every delta left still has its base.
    for (const b of (await entries()).bases) expect(await t.store.cas.has(b)).toBe(true)
    expect((await tarOf(v3.layer)).equals(await collect(dirTar(v3.dir)))).toBe(true)
    expect((await fsck(t.store)).problems).toEqual([])
    // With the last image gone, everything goes: no delta keeps a dead base alive by itself,
    // and the resemblance index keeps no row of a chunk that is gone.
    expect(await indexRows()).toBeGreaterThan(0)
    await removeImages(t.store, ['app:3'], { force: false })
    expect((await entries()).all).toBe(0)
    expect(await indexRows()).toBe(0)
  })

  test('the portable backend (WebAssembly zstd) reads the deltas the native one wrote', async () => {
    await imported(1)
    const v2 = await imported(2)
    expect((await entries()).deltas).toBeGreaterThan(0)
    const portable = createContentStore({ layout: t.store.layout, hash: await loadHashBackend('wasm'), codec: await loadCodec('fflate') })
    expect((await tarOf(v2.layer, portable)).equals(await collect(dirTar(v2.dir)))).toBe(true)
  })

  test('two stores of the same chunks at other depths, merged as two imports at once leave them: every chain reads, fsck is clean', async () => {
    // One root: v1 whole, v2 a delta against it, v3 against v2. Another: v2 whole, v4 a delta
    // against it. Their packs together hold v2 twice (depths 1 and 0): whichever copy the
    // lookup finds first, v3's chain (depth 2) and v4's (depth 1) must both read.
    await imported(1)
    await imported(2)
    const v3 = await imported(3)
    const other = await tempStore()
    try {
      const mine = t
      t = other
      await imported(2)
      const v4 = await imported(4)
      t = mine
      expect((await entries(other.store.layout)).deltas).toBeGreaterThan(0)
      const { cp } = await import('node:fs/promises')
      for (const dir of ['packsDir', 'blobsDir'] as const) {
        await cp(other.store.layout[dir], t.store.layout[dir], { recursive: true, force: false, errorOnExist: false })
      }
      const merged = await tempReopen()
      expect((await tarOf(v3.layer, merged.cas)).equals(await collect(dirTar(v3.dir)))).toBe(true)
      expect((await tarOf(v4.layer, merged.cas)).equals(await collect(dirTar(v4.dir)))).toBe(true)
      expect((await fsck(merged)).problems).toEqual([])
    } finally {
      await other.cleanup()
    }
  })

  test('a store opened with deltas off (STORE_DELTA=0 in the CLI) stores every chunk whole', async () => {
    await t.cleanup()
    t = await tempStore(undefined, { deltas: false })
    await imported(1)
    await imported(2)
    expect((await entries()).deltas).toBe(0)
  })

  test('a delta whose base is lost: fsck names the base', async () => {
    await imported(1)
    await imported(2)
    const { bases } = await entries()
    // Damage the store by hand: delete every pack holding one base (fsck then also misses the
    // other chunks there, which is fine: it must name this one).
    const lost = bases[0]
    expect(await t.store.cas.has(lost)).toBe(true)
    for (const f of await readdir(t.store.layout.packsDir)) {
      if (!f.endsWith('.idx')) continue
      const name = f.slice(0, -4)
      const ix = parseIndex(new Uint8Array((await import('node:fs')).readFileSync(t.store.layout.packIndex(name))), name)
      if (ix.find(Buffer.from(lost.slice(7), 'hex')) >= 0) {
        await unlink(t.store.layout.packIndex(name))
        await unlink(t.store.layout.pack(name))
      }
    }
    const reopened = await tempReopen()
    const problems = (await fsck(reopened)).problems
    expect(problems.some((p) => p.message.includes(lost))).toBe(true)
  })
})

/** The same root opened again: a process that never saw the deleted packs. */
async function tempReopen() {
  const { openStore } = await import('../../lib/store.js')
  return openStore({ root: t.store.root })
}
