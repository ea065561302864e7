// The layer writer's window of puts in flight (lib/layer/_window.ts): add() makes the caller wait
// only when the window is full, by count or by weight (bytes), and lets it go as soon as enough
// have settled; the first failure is thrown to the waiting add(), to any later add(), and by
// drain(), which still waits for every promise (nothing is left running after an abort).

import { expect, test } from 'vitest'
import { Window } from '../../lib/layer/_window.js'

function deferred() {
  let resolve!: () => void
  let reject!: (e: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const settled = async (p: Promise<unknown> | undefined) => {
  let done = false
  void p?.then(
    () => (done = true),
    () => (done = true),
  )
  for (let i = 0; i < 5; i++) await Promise.resolve()
  return p === undefined || done
}

test('full by count: the caller waits until one settles', async () => {
  const w = new Window(2)
  const a = deferred()
  const b = deferred()
  expect(w.add(a.promise)).toBeUndefined()
  const wait = w.add(b.promise)
  expect(wait).toBeInstanceOf(Promise)
  expect(await settled(wait)).toBe(false)
  a.resolve()
  expect(await settled(wait)).toBe(true)
  b.resolve()
  await w.drain()
})

test('full by weight: many small ones go, one heavy one waits', async () => {
  const w = new Window(1000, 100)
  const ds = Array.from({ length: 9 }, deferred)
  for (const d of ds) expect(w.add(d.promise, 10)).toBeUndefined()
  const heavy = deferred()
  const wait = w.add(heavy.promise, 50)
  expect(await settled(wait)).toBe(false)
  ds[0].resolve()
  ds[1].resolve()
  expect(await settled(wait)).toBe(false) // 120 left
  for (const d of ds.slice(2, 4)) d.resolve()
  expect(await settled(wait)).toBe(false) // 100 left: full is "at least the bound"
  ds[4].resolve()
  expect(await settled(wait)).toBe(true) // 90
  for (const d of [...ds.slice(5), heavy]) d.resolve()
  await w.drain()
})

test('a failure reaches the waiting add(), later adds and drain(), which waits for the rest', async () => {
  const w = new Window(2)
  const a = deferred()
  const b = deferred()
  w.add(a.promise)
  const wait = w.add(b.promise)!
  a.reject(new Error('disk full'))
  await expect(wait).rejects.toThrow('disk full')
  expect(() => w.add(Promise.resolve())).toThrow('disk full')
  const drained = w.drain()
  expect(await settled(drained)).toBe(false) // b still running
  b.resolve()
  await expect(drained).rejects.toThrow('disk full')
})
