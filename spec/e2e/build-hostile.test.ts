// Dockerfiles as hostile input: a context whose Dockerfile links to a host file gets it read
// inside the context (not found), never parsed and printed; a doubling ENV chain stops at the
// expansion bound with an error naming the line, in bounded time and memory.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, store, tempDir } from '../_fixtures/cli.js'

let tmp: { dir: string; cleanup: () => void }
let root: string

beforeAll(() => {
  requireBuilt()
  tmp = tempDir('store-build-hostile-')
  root = join(tmp.dir, 'root')
})
afterAll(() => tmp?.cleanup())

describe('store build', () => {
  test('a Dockerfile that links out of the context is read inside it: not found, the host file never printed', () => {
    const host = join(tmp.dir, 'host-secret')
    writeFileSync(host, 'root:$6$secret-hash:19000:0:99999:7:::\n')
    const ctx = join(tmp.dir, 'ctx')
    mkdirSync(ctx)
    symlinkSync(host, join(ctx, 'Dockerfile'))
    const r = store(root, ['build', ctx])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`Error: failed to solve: failed to read dockerfile: open ${ctx}/Dockerfile: no such file or directory\n`)
    // A link inside the context is followed inside it.
    const ok = join(tmp.dir, 'ctx2')
    mkdirSync(ok)
    writeFileSync(join(ok, 'real.Dockerfile'), 'FROM scratch\nLABEL x=1\n')
    symlinkSync('real.Dockerfile', join(ok, 'Dockerfile'))
    expect(store(root, ['build', '-q', ok]).status).toBe(0)
  })

  test('ENV A=${A}${A} forty times stops at the expansion bound, naming the line', () => {
    const ctx = join(tmp.dir, 'bomb')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'Dockerfile'), ['FROM scratch', 'ENV A=x', ...Array(40).fill('ENV A=${A}${A}'), ''].join('\n'))
    const r = store(root, ['build', '--progress', 'plain', ctx])
    expect(r.status).toBe(1)
    expect(r.stderr.split('\n').slice(-2).join('\n')).toBe('Error: dockerfile parse error on line 23: failed to process "${A}${A}": the expanded value is longer than 1 MiB\n')
  })
})
