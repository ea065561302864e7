// Worker threads belong to the open store (issue 14): each store has its own pools, started by
// the work that needs them (a folder's import: the read workers, one per job at once, and the
// diffID hasher past 2 MiB of tar; a blob over 1 MiB: the compressors), and `close()` ends them; a closed store still works (a later
// job starts them again). No module keeps a pool of its own.

import { afterEach, expect, test } from 'vitest'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { importImage, fsck } from '../../lib/index.js'

const made: { cleanup: () => Promise<void> }[] = []
afterEach(async () => {
  for (const t of made.splice(0)) await t.cleanup()
})

/** A folder of 20 small files; `big`: and one of 3 MiB (a tar past the 2 MiB the diffID's thread takes at once). */
async function folder(dir: string, big = false): Promise<string> {
  const src = join(dir, 'src')
  await mkdir(join(src, 'etc'), { recursive: true })
  for (let i = 0; i < 20; i++) await writeFile(join(src, 'etc', `f${i}`), seededBytes(4096 + i, i))
  if (big) await writeFile(join(src, 'big'), seededBytes(3 << 20, 99))
  return src
}

test('pools are the store’s: started by its work, none in another store, ended by close()', async () => {
  const a = await tempStore()
  const b = await tempStore()
  made.push(a, b)
  expect(a.store.workers.threads()).toEqual({})
  await importImage(a.store, await folder(a.dir), { tag: 'small' })
  // One read worker for a small folder (threads start as jobs need them); its diffID hashed here.
  expect(a.store.workers.threads()).toMatchObject({ read: 1, sha256: 0 })
  await importImage(a.store, await folder(join(a.dir, 'big'), true), { tag: 'one' })
  const started = a.store.workers.threads()
  expect(started.read).toBeGreaterThan(0)
  expect(started.sha256).toBe(1)
  // A blob past the size compressed on the calling thread goes to the store's compressors.
  await a.store.cas.put(seededBytes(3 << 20, 7))
  expect(a.store.workers.threads().compress).toBeGreaterThan(0)
  expect(b.store.workers.threads()).toEqual({})

  await a.store.close()
  expect(Object.values(a.store.workers.threads()).every((n) => n === 0)).toBe(true)
  // Still usable: the next job starts the threads it needs again.
  await importImage(a.store, await folder(join(a.dir, 'again')), { tag: 'two' })
  expect(a.store.workers.threads().read).toBeGreaterThan(0)
  expect((await fsck(a.store)).problems).toEqual([])
})

test('no module of lib/ makes a pool outside a store’s WorkerPools', async () => {
  const { readdirSync, readFileSync, statSync } = await import('node:fs')
  const lib = join(import.meta.dirname, '../../lib')
  const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []))
  const loose: string[] = []
  for (const f of files(lib)) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line.includes('new WorkerPool(') && !/\.get\('\w+', \(\) => new WorkerPool\(/.test(line)) loose.push(`${f}: ${line.trim()}`)
    }
  }
  expect(loose).toEqual([])
})
