// `system df`'s Build Cache row counts the bytes that pruning the cache frees: the blobs only the
// cache holds (whole chains, indexes of content-less layers included), none an image keeps.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import type { Digest } from '../../lib/digest/digest.js'
import { addLayer, putImage } from '../../lib/image/create.js'
import { dirTar } from '../../lib/layer/index.js'
import { cacheClear, cachePut } from '../../lib/build/cache.js'
import { collectGarbage } from '../../lib/system/gc.js'
import { diskUsage } from '../../lib/system/df.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

/** A layer on `parent` holding `files` (a name ending in "/" is an empty dir). */
async function layer(parent: Digest | null, name: string, files: Record<string, string>) {
  const dir = join(t.dir, name)
  await mkdir(dir, { recursive: true })
  for (const [f, data] of Object.entries(files)) {
    if (f.endsWith('/')) await mkdir(join(dir, f), { recursive: true })
    else {
      await mkdir(dirname(join(dir, f)), { recursive: true })
      await writeFile(join(dir, f), data)
    }
  }
  return (await addLayer(t.store, parent, dirTar(dir))).record
}

const cacheRow = async () => (await diskUsage(t.store)).rows.find((r) => r.type === 'Build Cache')!

describe('diskUsage() Build Cache', () => {
  test('SIZE and RECLAIMABLE are what pruning the cache frees; layers an image holds do not count', async () => {
    const base = await layer(null, 'base', { 'etc/os': 'base os\n'.repeat(50) })
    await putImage(t.store, {
      architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [base.diffId] }, history: [],
    }, { tags: ['base:latest'] })
    // A failed build's steps: a layer with content, then one with only a dir (no content bytes,
    // but an index blob on disk), and an entry for the image's own layer.
    const run1 = await layer(base.chainId, 'run1', { 'app/data': 'payload '.repeat(100) })
    const run2 = await layer(run1.chainId, 'run2', { 'd1/': '' })
    for (const [k, l] of [['k0', base], ['k1', run1], ['k2', run2]] as const) {
      await cachePut(t.store, k, { chainId: l.chainId, diffId: l.diffId, created: '', description: k })
    }
    const before = await cacheRow()
    expect(before.total).toBe(3)
    expect(before.size).toBeGreaterThan(0)
    expect(before.reclaimable).toBe(before.size)

    // What `store builder prune` does.
    await cacheClear(t.store)
    const gc = await collectGarbage(t.store, { keepImages: true })
    expect(gc.reclaimed).toBe(before.reclaimable)
    expect(await cacheRow()).toMatchObject({ total: 0, size: 0, reclaimable: 0 })
    expect((await diskUsage(t.store)).images).toHaveLength(1)
  })

  test('a cache that holds only image layers frees nothing and shows 0B', async () => {
    const base = await layer(null, 'base', { 'etc/os': 'base os\n' })
    await putImage(t.store, {
      architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [base.diffId] }, history: [],
    })
    await cachePut(t.store, 'k0', { chainId: base.chainId, diffId: base.diffId, created: '', description: 'k0' })
    expect(await cacheRow()).toMatchObject({ total: 1, size: 0, reclaimable: 0 })
    await cacheClear(t.store)
    expect((await collectGarbage(t.store, { keepImages: true })).reclaimed).toBe(0)
  })
})
