// withoutMountpoints(): mount targets and the dirs made only to hold them leave a RUN's layer.

import { expect, test } from 'vitest'
import { withoutMountpoints } from '../../../lib/build/runMount/mountpoints.js'
import type { LayerChange } from '../../../lib/driver/index.js'

const add = (path: string): LayerChange => ({ kind: 'add', path, source: `/upper/${path}`, root: '/upper' })
const modify = (path: string): LayerChange => ({ kind: 'modify', path, source: `/upper/${path}`, root: '/upper' })
const paths = (cs: LayerChange[]) => cs.map((c) => c.path)

test('a target, what is under it and the dirs added only on its way are dropped', async () => {
  const changes = [add('a'), add('a/b'), add('a/b/c'), add('keep')]
  expect(paths(await withoutMountpoints(changes, ['a/b/c']))).toEqual(['keep'])
})

test('an image dir on the way is dropped when only its times changed', async () => {
  const changes = [modify('real'), add('real/sub'), add('real/sub/dir')]
  expect(paths(await withoutMountpoints(changes, ['real/sub/dir'], async (c) => c.path === 'real'))).toEqual([])
  expect(paths(await withoutMountpoints(changes, ['real/sub/dir'], async () => false))).toEqual(['real'])
})

test('a dir on the way stays when the step wrote something else in it', async () => {
  expect(paths(await withoutMountpoints([add('a'), add('a/b'), add('a/f')], ['a/b']))).toEqual(['a', 'a/f'])
  expect(paths(await withoutMountpoints([modify('run'), add('run/secrets'), add('run/secrets/x'), add('run/y')], ['run/secrets/x'], async () => true))).toEqual(['run', 'run/y'])
})

test('a path that only starts like a target is kept', async () => {
  expect(paths(await withoutMountpoints([add('cache'), add('cache2')], ['cache']))).toEqual(['cache2'])
})
