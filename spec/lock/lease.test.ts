// The gc readers/writer lock: one lease per process (nested steps share it, so a build's RUN
// never queues behind a gc that waits for the build), gc waits only for live leases of other
// processes, and both waits are bounded with an error naming the other side.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { layout, type Layout } from '../../lib/layout.js'
import { gcLease, lockGc, withGc, withLock } from '../../lib/lock/index.js'
import { isStoreError } from '../../lib/errors.js'
import { deadPid, holderFile, liveHolders, startOf } from './_holders.js'

let dir: string
let l: Layout
const holders = liveHolders()
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-lease-'))
  l = layout(join(dir, 'root'))
  await mkdir(l.leasesDir, { recursive: true })
})
afterEach(async () => {
  await holders.stop()
  await rm(dir, { recursive: true, force: true })
})

const SHORT = { timeoutMs: 300 }

test('nested leases of one process share one lease file, gone when the outer one ends', async () => {
  const outer = await gcLease(l)
  const inner = await gcLease(l)
  expect(await readdir(l.leasesDir)).toHaveLength(1)
  await inner()
  await inner() // releasing twice is harmless
  expect(await readdir(l.leasesDir)).toHaveLength(1)
  await outer()
  expect(await readdir(l.leasesDir)).toEqual([])
})

test('a nested lease is granted while a gc of another process waits for the outer one', async () => {
  const gcHolder = holders.start()
  const outer = await gcLease(l)
  // Another process has taken the gc lock and waits for our lease: a new lease must wait for
  // it, but ours is already held and nested steps share it (the deadlock of issue 11).
  await writeFile(l.lock('gc'), holderFile(gcHolder.pid!, startOf(gcHolder.pid!)))
  const inner = await gcLease(l, SHORT)
  await inner()
  await outer()
  // A fresh lease now waits for that gc, bounded, and names it.
  const err = await gcLease(l, SHORT).then(() => undefined, (e) => e)
  expect(isStoreError(err, 'LOCK_TIMEOUT')).toBe(true)
  expect(err.message).toContain(`waiting for garbage collection to finish: the store's gc lock ${l.lock('gc')} is held by pid ${gcHolder.pid}`)
})

test("gc waits for another process' live lease, bounded, naming it", async () => {
  const p = holders.start()
  await writeFile(join(l.leasesDir, `${p.pid}-0123456789ab`), holderFile(p.pid!, startOf(p.pid!)))
  const err = await lockGc(l, SHORT).then(() => undefined, (e) => e)
  expect(isStoreError(err, 'LOCK_TIMEOUT')).toBe(true)
  expect(err.data).toMatchObject({ pid: p.pid })
  expect(err.message).toContain(`waiting for pid ${p.pid} (/bin/sleep 60) to finish adding content to the store`)
  expect(await readdir(l.locksDir)).toEqual(['leases']) // the gc lock was given back
})

test('leases of processes that are gone (empty or not) hold nothing up and are removed', async () => {
  const dead = deadPid()
  await writeFile(join(l.leasesDir, `${dead}-0123456789ab`), holderFile(dead))
  await writeFile(join(l.leasesDir, `${dead}-ba9876543210`), '')
  await writeFile(join(l.leasesDir, `${process.pid}-aaaaaaaaaaaa`), holderFile(process.pid, '1')) // ours: never waited for
  expect(await withGc(l, async () => 'swept', SHORT)).toBe('swept')
  expect(await readdir(l.leasesDir)).toEqual([`${process.pid}-aaaaaaaaaaaa`])
})

test('a lease or a gc asked for while holding a lock fails at once', async () => {
  const a = await withLock(l, 'names', () => gcLease(l)).then(() => undefined, (e) => e)
  expect(isStoreError(a, 'LOCK_ORDER')).toBe(true)
  const b = await withLock(l, 'tags', () => withGc(l, async () => 1)).then(() => undefined, (e) => e)
  expect(isStoreError(b, 'LOCK_ORDER')).toBe(true)
})

test("gc waits for another operation's lease in this process too; a lease asked for during a gc waits for it (no cycle)", async () => {
  // An import (lease held) and an rmi's gc in one process, as a library caller may run them.
  const release = await gcLease(l)
  let swept = false
  const gc = withGc(l, async () => {
    swept = true
  })
  await new Promise((r) => setTimeout(r, 150))
  expect(swept).toBe(false) // whatever the timing: gc may not run while the lease is held
  await release()
  await gc
  expect(swept).toBe(true)
  // A bounded wait names this process.
  const held = await gcLease(l)
  const err = await lockGc(l, SHORT).then(() => undefined, (e) => e)
  expect(isStoreError(err, 'LOCK_TIMEOUT')).toBe(true)
  expect(err.message).toContain('another operation of this process')
  await held()
  // The other way round: a gc runs; a lease asked for meanwhile is granted once it ends.
  let endGc!: () => void
  let gcStarted!: () => void
  const started = new Promise<void>((r) => (gcStarted = r))
  const running = withGc(l, () => new Promise<void>((r) => ((endGc = r), gcStarted())))
  await started
  const lease = gcLease(l)
  let granted = false
  void lease.then(() => (granted = true))
  await new Promise((r) => setTimeout(r, 150))
  expect(granted).toBe(false)
  endGc()
  await running
  await (await lease)()
  expect(granted).toBe(true)
})
