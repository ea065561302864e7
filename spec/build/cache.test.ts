// The build cache's times and `prune --filter until=`: an entry's last use (made or hit) decides,
// as BuildKit's keep-duration; records written before `lastUsed` existed are dated by `created`;
// what only a dropped entry held is swept, what a kept one holds stays; RUN cache mount dirs go
// by their last use too.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '../../lib/store.js'
import { addLayer } from '../../lib/image/create.js'
import { dirTar } from '../../lib/layer/index.js'
import { cacheEntries, cacheGet, cachePrune, cachePut, cacheTouch } from '../../lib/build/cache.js'
import { removeCacheMounts } from '../../lib/build/runMount/index.js'
import { pruneBuildCache, prune } from '../../lib/index.js'
import { isStoreError, Codes } from '../../lib/errors.js'

const DAY = 24 * 3600 * 1000
let dir: string
let store: Store
/** The store's clock: each test moves it. */
let clock: Date

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-unit-'))
  clock = new Date('2026-01-10T12:00:00Z')
  store = await openStore({ root: join(dir, 'root'), now: () => clock })
})
afterEach(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

/** A layer holding one file, and a cache entry `key` naming it, made at the clock's time. */
async function step(key: string, content: string) {
  const src = join(dir, key)
  await mkdir(src, { recursive: true })
  await writeFile(join(src, 'f'), content.repeat(200))
  const l = (await addLayer(store, null, dirTar(src))).record
  await cachePut(store, key, { chainId: l.chainId, diffId: l.diffId, created: '1970-01-01T00:00:00Z', description: key })
  return l
}

const keys = async () => (await cacheEntries(store)).map((e) => e.description).sort()

describe('cachePrune() with a time', () => {
  test('drops the entries last used before it, keeps the others; a hit counts as a use', async () => {
    await step('old', 'a')
    await step('hit', 'b')
    clock = new Date(clock.getTime() + 2 * DAY)
    await step('new', 'c')
    await cacheTouch(store, ['hit'])
    expect((await cacheEntries(store)).find((e) => e.description === 'new')?.lastUsed).toBe(clock.toISOString())
    // `created` (SOURCE_DATE_EPOCH's 1970 here) is the layer's time in the image, not a use.
    expect(await cachePrune(store, clock.getTime() - DAY)).toBe(1)
    expect(await keys()).toEqual(['hit', 'new'])
  })

  test('without a time every entry goes', async () => {
    await step('a', 'a')
    await step('b', 'b')
    expect(await cachePrune(store)).toBe(2)
    expect(await keys()).toEqual([])
  })

  test('a record from before lastUsed is dated by its created; one with no readable time is kept', async () => {
    const a = await step('a', 'a')
    const old = { entries: {
      dated: { chainId: a.chainId, diffId: a.diffId, created: '2026-01-01T00:00:00Z', description: 'dated' },
      recent: { chainId: a.chainId, diffId: a.diffId, created: '2026-01-10T00:00:00Z', description: 'recent' },
      undated: { chainId: a.chainId, diffId: a.diffId, created: '', description: 'undated' },
    } }
    await writeFile(store.layout.cacheIndex, JSON.stringify(old))
    expect((await cacheGet(store, 'dated'))?.description).toBe('dated') // still readable
    expect(await cachePrune(store, Date.parse('2026-01-05T00:00:00Z'))).toBe(1)
    expect(await keys()).toEqual(['recent', 'undated'])
  })
})

describe('prune --filter until= and the build cache', () => {
  test('system prune drops only the entries last used before `until`, and sweeps only what they alone held', async () => {
    const old = await step('old', 'old content ')
    clock = new Date(clock.getTime() + 3 * DAY)
    const recent = await step('recent', 'recent content ')
    const r = await prune(store, { filters: ['until=48h'] })
    expect(r.buildCache).toBe(1)
    expect(await keys()).toEqual(['recent'])
    expect(await store.layers.get(old.chainId)).toBeUndefined()
    expect(await store.layers.get(recent.chainId)).toBeDefined()
    // Without a filter, the rest goes.
    expect((await prune(store)).buildCache).toBe(1)
    expect(await keys()).toEqual([])
  })

  test('builder prune takes until= too, and refuses another filter key as Docker does', async () => {
    await step('old', 'x')
    clock = new Date(clock.getTime() + 3 * DAY)
    await step('recent', 'y')
    expect((await pruneBuildCache(store, { filters: [`until=${new Date(clock.getTime() - DAY).toISOString()}`] })).objects).toBe(1)
    expect(await keys()).toEqual(['recent'])
    const e = await pruneBuildCache(store, { filters: ['label=a'] }).catch((x) => x)
    expect(isStoreError(e, Codes.INVALID_ARGUMENT) && e.message).toBe("invalid filter 'label'")
    expect(await keys()).toEqual(['recent'])
  })

  test('RUN cache mount dirs go by their last use (the dir’s mtime), temp dirs of interrupted first uses always', async () => {
    const mk = async (name: string, at: number) => {
      const d = store.layout.cacheMount(name)
      await mkdir(d, { recursive: true })
      await writeFile(join(d, 'data'), 'x'.repeat(5000))
      await utimes(d, new Date(at), new Date(at))
      return d
    }
    const now = clock.getTime()
    const stale = await mk('a'.repeat(64), now - 3 * DAY)
    const used = await mk('b'.repeat(64), now - 1000)
    const temp = await mk('.tmp-1-abcd', now)
    const r = await removeCacheMounts(store, now - DAY)
    expect(r.count).toBe(1)
    expect(r.bytes).toBeGreaterThanOrEqual(5000)
    expect([existsSync(stale), existsSync(used), existsSync(temp)]).toEqual([false, true, false])
  })
})
