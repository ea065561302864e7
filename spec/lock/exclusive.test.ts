// Exclusive locks survive faults: an empty lock file, or one naming a process that is gone (or
// a pid now used by another process), is stale and taken at once; a live holder is waited for,
// and the wait ends in an error naming the lock and the holder. Locks out of order fail at once.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { mkdtemp, rm } from 'node:fs/promises'
import { layout, type Layout } from '../../lib/layout.js'
import { lockExclusive, withLock } from '../../lib/lock/index.js'
import { isStoreError } from '../../lib/errors.js'
import { deadPid, holderFile, liveHolders, startOf } from './_holders.js'

let dir: string
let l: Layout
const holders = liveHolders()
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-lock-'))
  l = layout(join(dir, 'root'))
  await mkdir(l.locksDir, { recursive: true })
})
afterEach(async () => {
  await holders.stop()
  await rm(dir, { recursive: true, force: true })
})

const SHORT = { timeoutMs: 300 }

describe('stale locks are taken over at once', () => {
  test.each([
    ['empty (a full disk or a kill -9 between creating and writing it, in older stores)', () => ''],
    ['garbled', () => 'not a pid\n'],
    ['naming a process that has exited', () => holderFile(deadPid())],
    ['naming a live pid that was started at another time (a reused pid)', () => holderFile(process.pid, '1')],
  ])('%s', async (_what, content) => {
    await writeFile(l.lock('tags'), content())
    const release = await lockExclusive(l, 'tags', SHORT)
    expect(await readFile(l.lock('tags'), 'utf8')).toBe(holderFile(process.pid, startOf(process.pid)))
    await release()
    expect(await readdir(l.locksDir)).toEqual([]) // no temp file, no break file left
  })
})

test('a live holder is waited for; the bounded wait names the lock, the holder pid and its command', async () => {
  const p = holders.start()
  await writeFile(l.lock('tags'), holderFile(p.pid!, startOf(p.pid!)))
  const err = await lockExclusive(l, 'tags', SHORT).then(() => undefined, (e) => e)
  expect(isStoreError(err, 'LOCK_TIMEOUT')).toBe(true)
  expect(err.data).toMatchObject({ lock: 'tags', pid: p.pid })
  expect(err.message).toContain(`tags lock ${l.lock('tags')}: held by pid ${p.pid} (/bin/sleep 60)`)
  expect(await readFile(l.lock('tags'), 'utf8')).toBe(holderFile(p.pid!, startOf(p.pid!))) // untouched
})

test('within one process, a second taker waits for the first to release', async () => {
  const order: string[] = []
  const release = await lockExclusive(l, 'cache')
  const second = withLock(l, 'cache', async () => void order.push('second'))
  await new Promise((r) => setTimeout(r, 30))
  order.push('first releases')
  await release()
  await second
  expect(order).toEqual(['first releases', 'second'])
})

test('release removes only its own lock file', async () => {
  const release = await lockExclusive(l, 'names')
  await writeFile(l.lock('names'), holderFile(1)) // as if someone had (wrongly) taken it over
  await release()
  expect(await readFile(l.lock('names'), 'utf8')).toBe(holderFile(1))
})

describe('one lock order', () => {
  test('a lock ranked before one already held fails at once, naming both', async () => {
    const err = await withLock(l, 'tags', () => withLock(l, 'cache', async () => 1)).then(() => undefined, (e) => e)
    expect(isStoreError(err, 'LOCK_ORDER')).toBe(true)
    expect(err.message).toBe('lock order violation: taking the cache lock while holding the tags lock would deadlock')
  })
  test('the same lock again in one call chain fails instead of waiting on itself', async () => {
    const err = await withLock(l, 'tags', () => withLock(l, 'tags', async () => 1)).then(() => undefined, (e) => e)
    expect(isStoreError(err, 'LOCK_ORDER')).toBe(true)
  })
  test('locks in order nest; independent call chains do not see each other', async () => {
    const a = withLock(l, 'names', () => withLock(l, 'cache', () => withLock(l, 'tags', async () => 'a')))
    const b = withLock(l, 'tags', async () => 'b')
    expect(await Promise.all([a, b])).toEqual(['a', 'b'])
  })
})
