// End-to-end: how the built binary starts (cli/main.ts). The CLI is one bundle compiled with a
// V8 code cache made by the build; the cache must be used for the bundle it was made from and
// never for another one (V8 itself only compares lengths).

import { afterAll, beforeAll, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { BIN, requireBuilt, store, tempDir } from '../_fixtures/cli.js'

const dist = dirname(BIN)
let tmp: ReturnType<typeof tempDir>

beforeAll(() => {
  requireBuilt()
  tmp = tempDir('store-e2e-startup-')
})
afterAll(() => tmp?.cleanup())

test('the build leaves a code cache for its bundle, and commands use it', () => {
  const cache = readFileSync(join(dist, 'store.cjs.cache'))
  const digest = createHash('sha256').update(readFileSync(join(dist, 'store.cjs'))).digest()
  expect(cache.subarray(0, 32).equals(digest)).toBe(true)
  const r = store(join(tmp.dir, 'root'), ['images', '-q'], { env: { STORE_CODE_CACHE: 'check' } })
  expect(r.status).toBe(0)
  expect(r.stderr).toBe('code cache: used\n')
})

test('a cache made for another bundle of the same length is not used', () => {
  // A copy of the CLI whose bundle differs from the cached one in one message, same length.
  const dir = join(tmp.dir, 'cli')
  mkdirSync(dir)
  for (const f of ['main.js', 'package.json', 'store.cjs.cache']) copyFileSync(join(dist, f), join(dir, f))
  const text = readFileSync(join(dist, 'store.cjs'), 'latin1')
  expect(text).toContain('Unable to find image')
  writeFileSync(join(dir, 'store.cjs'), text.replaceAll('Unable to find image', 'Unable to find IMAGE'), 'latin1')
  const r = spawnSync(process.execPath, [join(dir, 'main.js'), '--root', join(tmp.dir, 'root'), 'run', 'nosuch'], {
    env: { ...process.env, STORE_CODE_CACHE: 'check' },
    encoding: 'utf8',
  })
  expect(r.status).toBe(125)
  expect(r.stderr).toContain('code cache: none\n')
  expect(r.stderr).toContain("Error: Unable to find IMAGE 'nosuch:latest' locally\n")
})
