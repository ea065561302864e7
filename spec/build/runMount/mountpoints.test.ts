// withoutMountpoints(): mount targets and the dirs made only to hold them leave a RUN's layer.

import { expect, test } from 'vitest'
import { withoutMountpoints } from '../../../lib/build/runMount/mountpoints.js'
import type { LayerChange } from '../../../lib/driver/index.js'

const add = (path: string): LayerChange => ({ kind: 'add', path, source: `/upper/${path}` })
const modify = (path: string): LayerChange => ({ kind: 'modify', path, source: `/upper/${path}` })
const paths = (cs: LayerChange[]) => cs.map((c) => c.path)

test('a target, what is under it and the dirs added only on its way are dropped', () => {
  const changes = [add('a'), add('a/b'), add('a/b/c'), add('keep')]
  expect(paths(withoutMountpoints(changes, ['a/b/c']))).toEqual(['keep'])
})

test('a dir on the way stays when the step wrote something else in it, or changed it', () => {
  expect(paths(withoutMountpoints([add('a'), add('a/b'), add('a/f')], ['a/b']))).toEqual(['a', 'a/f'])
  expect(paths(withoutMountpoints([modify('run'), add('run/secrets'), add('run/secrets/x')], ['run/secrets/x']))).toEqual(['run'])
})

test('a path that only starts like a target is kept', () => {
  expect(paths(withoutMountpoints([add('cache'), add('cache2')], ['cache']))).toEqual(['cache2'])
})
