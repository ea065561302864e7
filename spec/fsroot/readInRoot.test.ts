// readInRoot(): one file of a live root, read with every dir on the way held open and symlinks
// resolved inside the root: absolute and `..`-heavy links out of it read the root's own files.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readInRoot } from '../../lib/fsroot/index.js'
import { tempDir } from '../_fixtures/cli.js'

let tmp: { dir: string; cleanup: () => void }
let root: string
let outside: string

beforeAll(() => {
  tmp = tempDir('store-readinroot-')
  root = join(tmp.dir, 'root')
  outside = join(tmp.dir, 'outside')
  mkdirSync(join(root, 'etc'), { recursive: true })
  mkdirSync(join(root, outside), { recursive: true })
  mkdirSync(outside, { recursive: true })
  writeFileSync(join(outside, 'secret'), 'host\n')
  writeFileSync(join(root, outside, 'secret'), 'root own\n')
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\n')
  symlinkSync(join(outside, 'secret'), join(root, 'abs'))
  symlinkSync(`${'../'.repeat(20)}${outside.slice(1)}/secret`, join(root, 'rel'))
  symlinkSync(outside, join(root, 'dirlink'))
  symlinkSync('loop', join(root, 'loop'))
  mkdirSync(join(root, 'd'))
})
afterAll(() => tmp?.cleanup())

describe('readInRoot()', () => {
  test('reads a plain file', () => {
    expect(readInRoot(root, 'etc/passwd')).toBe('root:x:0:0::/:/bin/sh\n')
  })
  test('absolute and relative links out of the root, and a dir link, read the root\'s own file', () => {
    expect(readInRoot(root, 'abs')).toBe('root own\n')
    expect(readInRoot(root, 'rel')).toBe('root own\n')
    expect(readInRoot(root, 'dirlink/secret')).toBe('root own\n')
    expect(readInRoot(root, '../../../..' + outside + '/secret')).toBe('root own\n')
  })
  test('missing, a dir, a loop: undefined', () => {
    expect(readInRoot(root, 'nope')).toBeUndefined()
    expect(readInRoot(root, 'd')).toBeUndefined()
    expect(readInRoot(root, 'loop')).toBeUndefined()
  })
})
