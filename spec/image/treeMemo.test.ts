// Re-importing an unchanged folder reuses its layer without reading the files; any write to a
// file (even one that keeps its size and mtime) is seen through its ctime and re-imports.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import { importImage } from '../../lib/image/import.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(async () => t.cleanup())

test('an unchanged tree is recognised; a rewritten file is not', async () => {
  const src = join(t.dir, 'tree')
  await mkdir(join(src, 'd'), { recursive: true })
  await writeFile(join(src, 'd/f'), 'hello world\n')
  const first = await importImage(t.store, { source: src, tag: 'a/b:1' })
  expect(first.stats).toBeDefined()
  const again = await importImage(t.store, { source: src, tag: 'a/b:2' })
  expect(again.stats).toBeUndefined() // memo hit: nothing read
  expect(again.layer.diffId).toBe(first.layer.diffId)

  // Same size, mtime put back: only the ctime tells.
  const before = await stat(join(src, 'd/f'))
  await new Promise((r) => setTimeout(r, 20))
  await writeFile(join(src, 'd/f'), 'HELLO WORLD\n')
  await utimes(join(src, 'd/f'), before.atime, before.mtime)
  const changed = await importImage(t.store, { source: src, tag: 'a/b:3' })
  expect(changed.stats).toBeDefined()
  expect(changed.layer.diffId).not.toBe(first.layer.diffId)
})
