// A tag never points at a deleted image, whatever runs at the same time: tags and image records
// change together under the tags lock (lib/image/store.ts), and gc keeps (and marks) an image
// that was tagged after it decided to delete it.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import { importImage } from '../../lib/image/import.js'
import { removeImages } from '../../lib/index.js'
import { collectGarbage } from '../../lib/system/gc.js'
import { fsck } from '../../lib/fsck.js'
import { gcLease } from '../../lib/_lock.js'
import { getConfig } from '../../lib/image/create.js'
import { isStoreError } from '../../lib/errors.js'
import type { Digest } from '../../lib/digest/digest.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

async function image(name: string, content: string): Promise<Digest> {
  const src = join(t.dir, name)
  await mkdir(src, { recursive: true })
  await writeFile(join(src, 'f'), content)
  return (await importImage(t.store, { source: src, tag: `${name}:1` })).id
}

async function danglingTags(): Promise<string[]> {
  const ids = new Set((await t.store.images.list()).map((r) => r.id))
  return Object.entries(await t.store.images.tags()).filter(([, id]) => !ids.has(id)).map(([tag]) => tag)
}

test('tag refuses an image whose record is gone', async () => {
  const id = await image('a', 'a')
  await t.store.images.remove(id, ['a:1'])
  const err = await t.store.images.tag(id, 'b:1').then(() => undefined, (e) => e)
  expect(isStoreError(err, 'IMAGE_NOT_FOUND')).toBe(true)
  expect(await t.store.images.tags()).toEqual({})
})

test('remove keeps an image that gained a tag it did not expect, and removes only the expected tags', async () => {
  const id = await image('a', 'a')
  await t.store.images.tag(id, 'late:1')
  expect(await t.store.images.remove(id, ['a:1'])).toEqual({ untagged: ['a:1'], deleted: false })
  expect(await t.store.images.tags()).toEqual({ 'late:1': id })
})

test('rmi racing re-tags (as a cached build or a load writes them) and plain tags leaves no dangling tag', async () => {
  const id = await image('a', 'a')
  const rec = (await t.store.images.get(id))!
  const config = await t.store.cas.get(id)
  const manifest = await t.store.cas.get(rec.manifestDigest!)
  // A cached build as putImageBytes does it: under its gc lease (held for the whole build), the
  // config and manifest are put (again, if a gc took them), then the record and its tag; a
  // cache entry whose layer a gc took is a miss (build/cache.ts), which builds it again: not here.
  const chainId = (await getConfig(t.store, id)).rootfs.diff_ids[0] // one layer: its chain ID is its diffID
  const cachedBuild = async () => {
    const release = await gcLease(t.store.layout)
    try {
      if (!(await t.store.layers.get(chainId))) return
      await t.store.cas.put(config, { compress: false })
      await t.store.cas.put(manifest, { compress: false })
      await t.store.images.add(rec, ['a:1'])
    } finally {
      await release()
    }
  }
  for (let round = 0; round < 15; round++) {
    await Promise.all([
      removeImages(t.store, ['a:1'], { force: true }).catch(() => undefined),
      cachedBuild(),
      t.store.images.tag(id, `b:${round}`).catch((e) => expect(isStoreError(e, 'IMAGE_NOT_FOUND')).toBe(true)),
      removeImages(t.store, [`b:${round}`], { force: true }).catch(() => undefined),
    ])
    expect(await danglingTags()).toEqual([])
  }
  expect((await fsck(t.store)).problems).toEqual([])
})

test('gc with -a racing tags of the images it deletes leaves every tagged image whole', async () => {
  const ids = [await image('a', 'a'), await image('b', 'b'), await image('c', 'c')]
  await Promise.all([
    collectGarbage(t.store, { all: true }),
    ...ids.map((id, i) => t.store.images.tag(id, `again:${i}`).catch((e) => expect(isStoreError(e, 'IMAGE_NOT_FOUND')).toBe(true))),
  ])
  expect(await danglingTags()).toEqual([])
  expect((await fsck(t.store)).problems).toEqual([])
})

test('an image tagged between gc’s mark and its sweep is kept with all its content', async () => {
  const id = await image('a', 'kept content')
  await t.store.images.untag('a:1') // dangling: gc will decide to delete it
  const remove = t.store.images.remove
  t.store.images.remove = async (rid, expected) => {
    await t.store.images.tag(rid, 'just-in-time:1') // `store tag` in another process, right now
    return remove(rid, expected)
  }
  const stats = await collectGarbage(t.store)
  expect(stats.imagesDeleted).toEqual([])
  expect(await t.store.images.tags()).toEqual({ 'just-in-time:1': id })
  expect(stats.blobsDeleted).toBe(0)
  expect((await fsck(t.store)).problems).toEqual([])
})
