// `system df -v`'s SHARED SIZE and UNIQUE SIZE at chunk level (lib/system/_chunkTable.ts): an
// image's content bytes held in chunks (or index segments) another image also references are
// shared, the rest unique, SHARED + UNIQUE = SIZE; a layer two images have is all shared, as in
// Docker, and two layers of nearly the same files share every chunk but the changed ones.

import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Digest } from '../../lib/digest/digest.js'
import { addLayer, putImage } from '../../lib/image/create.js'
import { dirTar } from '../../lib/layer/index.js'
import { diskUsage } from '../../lib/system/df.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

/** A layer on `parent` of these files, as a folder import makes it. */
async function layer(parent: Digest | null, name: string, files: Record<string, Buffer | string>) {
  const dir = join(t.dir, name)
  for (const [f, data] of Object.entries(files)) {
    await mkdir(dirname(join(dir, f)), { recursive: true })
    await writeFile(join(dir, f), data)
  }
  return (await addLayer(t.store, parent, dirTar(dir))).record
}

async function image(tag: string, layers: { diffId: Digest }[]) {
  return putImage(t.store, { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) }, history: [] }, { tags: [tag] })
}

const usageOf = async (tag: string) => (await diskUsage(t.store)).images.find((i) => i.tags.includes(tag))!

// Files of 10 KiB: under FastCDC's 16 KiB minimum, so each is one chunk of its own.
const KB10 = 10 * 1024
const files = (n: number, seed: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`data/f${i}`, seededBytes(KB10, seed + i)]))

describe('diskUsage() SHARED SIZE and UNIQUE SIZE', () => {
  test('two imports of nearly the same tree share every chunk but the changed file', async () => {
    const tree = files(8, 100)
    const a = await layer(null, 'a', tree)
    const b = await layer(null, 'b', { ...tree, 'data/f3': seededBytes(KB10, 999) })
    await image('near/a', [a])
    await image('near/b', [b])
    for (const tag of ['near/a', 'near/b']) {
      const u = await usageOf(tag)
      expect(u.size).toBe(8 * KB10)
      expect(u.sharedSize).toBe(7 * KB10)
      expect(u.uniqueSize).toBe(KB10)
    }
  })

  test('an image built FROM another shares all of the base, as in Docker; its own layer is unique', async () => {
    const base = await layer(null, 'base', files(4, 200))
    const app = await layer(base.chainId, 'app', files(2, 300))
    await image('b/base', [base])
    await image('b/app', [base, app])
    expect(await usageOf('b/base')).toMatchObject({ size: 4 * KB10, sharedSize: 4 * KB10, uniqueSize: 0 })
    expect(await usageOf('b/app')).toMatchObject({ size: 6 * KB10, sharedSize: 4 * KB10, uniqueSize: 2 * KB10 })
  })

  test('a file at two paths counts at each (SHARED + UNIQUE = SIZE); a chunk only one image has is unique however often it uses it', async () => {
    const same = seededBytes(KB10, 400)
    const own = seededBytes(KB10, 401)
    const a = await layer(null, 'twice', { 'x/one': same, 'x/two': same, 'x/own': own, 'x/own2': own })
    const b = await layer(null, 'once', { 'y/elsewhere': same })
    await image('rep/a', [a])
    await image('rep/b', [b])
    expect(await usageOf('rep/a')).toMatchObject({ size: 4 * KB10, sharedSize: 2 * KB10, uniqueSize: 2 * KB10, chunkBytes: 2 * KB10 })
    expect(await usageOf('rep/b')).toMatchObject({ size: KB10, sharedSize: KB10, uniqueSize: 0 })
  })

  test("small files kept in the layer index are shared with the segment that holds them: a layer's, not a look-alike's", async () => {
    // Files of at most 128 bytes are stored inside the index, not as chunks.
    const small = { 'etc/a': 'alpha\n', 'etc/b': 'bravo bravo\n' }
    const smallBytes = 'alpha\n'.length + 'bravo bravo\n'.length
    const one = await layer(null, 'small1', { ...small, 'big/f': seededBytes(KB10, 500) })
    const top = await layer(one.chainId, 'small2', { 'top/f': seededBytes(KB10, 501) })
    await image('s/one', [one])
    await image('s/two', [one, top])
    expect(await usageOf('s/one')).toMatchObject({ size: KB10 + smallBytes, sharedSize: KB10 + smallBytes, uniqueSize: 0 })
    // Another import of the same small files (another folder: other mtimes, another segment):
    // their bytes are stored again, in its own segment, so they are its own.
    const look = await layer(null, 'small3', small)
    await image('s/look', [look])
    expect(await usageOf('s/look')).toMatchObject({ size: smallBytes, sharedSize: 0, uniqueSize: smallBytes })
  })

  test('the build cache is no image: a layer only an image and the cache hold is unique', async () => {
    const l = await layer(null, 'solo', files(2, 600))
    await image('solo/a', [l])
    const { cachePut } = await import('../../lib/build/cache.js')
    await cachePut(t.store, 'k', { chainId: l.chainId, diffId: l.diffId, created: '', description: 'k' })
    expect(await usageOf('solo/a')).toMatchObject({ size: 2 * KB10, sharedSize: 0, uniqueSize: 2 * KB10 })
  })
})
