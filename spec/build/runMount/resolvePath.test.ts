// resolveInRoot(): a mount source resolved inside its root, symlinks never leading out of it.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hostRoot, resolveInRoot } from '../../../lib/build/runMount/resolvePath.js'
import { Codes, isStoreError } from '../../../lib/errors.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-resolve-'))
  mkdirSync(join(dir, 'sub/deep'), { recursive: true })
  writeFileSync(join(dir, 'sub/deep/f'), 'x')
  symlinkSync('/etc', join(dir, 'etc-link')) // absolute: means <root>/etc
  symlinkSync('/sub', join(dir, 'abs-sub'))
  symlinkSync('../../..', join(dir, 'sub/deep/up')) // above the root: stops at it
  symlinkSync('deep/f', join(dir, 'sub/rel-file'))
  symlinkSync('loop-b', join(dir, 'loop-a'))
  symlinkSync('loop-a', join(dir, 'loop-b'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const resolve = (p: string) => resolveInRoot(hostRoot(dir), p)

test('an absolute symlink restarts at the root, never at the host\'s /', async () => {
  expect(await resolve('/etc-link')).toEqual({ rel: '', kind: 'missing', rest: ['etc'] })
  expect(await resolve('/etc-link/passwd')).toMatchObject({ kind: 'missing' })
  expect(await resolve('abs-sub/deep')).toEqual({ rel: 'sub/deep', kind: 'dir', rest: [] })
})

test('`..` in a path or a link target stops at the root', async () => {
  expect(await resolve('/../../sub')).toEqual({ rel: 'sub', kind: 'dir', rest: [] })
  expect(await resolve('sub/deep/up/sub/deep/f')).toEqual({ rel: 'sub/deep/f', kind: 'other', rest: [] })
})

test('relative links resolve from their dir; a file ends the walk', async () => {
  expect(await resolve('sub/rel-file')).toEqual({ rel: 'sub/deep/f', kind: 'other', rest: [] })
  expect(await resolve('sub/rel-file/more')).toMatchObject({ kind: 'missing' })
  expect(await resolve('/')).toEqual({ rel: '', kind: 'dir', rest: [] })
})

test('a symlink loop is an error, not a hang', async () => {
  const e = await resolve('loop-a').catch((x) => x)
  expect(isStoreError(e, Codes.BUILD_FAILED) && e.message).toBe('loop-a: too many levels of symbolic links')
})
