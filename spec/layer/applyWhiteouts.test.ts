// A whiteout hides LOWER layers only (OCI): `.wh.x` next to an `x` of the same layer, in either
// order, keeps this layer's x; over this layer's dir it makes the dir opaque.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { lstatSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { tempStore, fromBuffer } from '../_fixtures/store.js'
import { needRoot, unavailable } from '../_fixtures/requires.js'
import { tarOf, type Ent } from '../_fixtures/hostile.js'
import { applyLayer, ingestTar, loadIndex } from '../../lib/layer/index.js'

const why = unavailable('whiteout apply specs', needRoot())

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

async function apply(ents: Ent[], root: string, mode: 'overlay' | 'plain') {
  const r = await ingestTar({ cas: t.store.cas, hash: t.store.hash, chunker: t.store.chunker, workers: t.store.workers }, fromBuffer(tarOf(ents)))
  await applyLayer(t.store.cas, await loadIndex(t.store.cas, r.index), root, { mode })
}
const opaque = (p: string) => spawnSync('getfattr', ['-n', 'trusted.overlay.opaque', '--only-values', p], { encoding: 'utf8' }).stdout

describe.skipIf(why !== undefined)('whiteouts next to entries of the same layer', () => {
  test.each([
    ['whiteout first', [{ name: '.wh.etc' }, { name: 'etc', type: 'symlink', linkname: '/x' }]],
    ['whiteout last', [{ name: 'etc', type: 'symlink', linkname: '/x' }, { name: '.wh.etc' }]],
  ] as [string, Ent[]][])('overlay, %s: the new symlink stays, no whiteout device', async (_n, ents) => {
    const root = join(t.dir, 'snap')
    mkdirSync(root)
    await apply(ents, root, 'overlay')
    expect(readlinkSync(join(root, 'etc'))).toBe('/x')
  })

  test.each([
    ['whiteout first', [{ name: '.wh.d' }, { name: 'd/', type: 'dir' }, { name: 'd/new', data: 'n' }]],
    ['whiteout last', [{ name: 'd/', type: 'dir' }, { name: 'd/new', data: 'n' }, { name: '.wh.d' }]],
  ] as [string, Ent[]][])('overlay, %s: a new dir over a whited-out one is opaque', async (_n, ents) => {
    const root = join(t.dir, 'snap')
    mkdirSync(root)
    await apply(ents, root, 'overlay')
    expect(lstatSync(join(root, 'd')).isDirectory()).toBe(true)
    expect(opaque(join(root, 'd'))).toBe('y')
    expect(readdirSync(join(root, 'd'))).toEqual(['new'])
  })

  test('plain: the lower dir\'s children go, this layer\'s stay', async () => {
    const root = join(t.dir, 'tree')
    mkdirSync(root)
    await apply([{ name: 'd/', type: 'dir' }, { name: 'd/old', data: 'o' }], root, 'plain')
    await apply([{ name: '.wh.d' }, { name: 'd/', type: 'dir' }, { name: 'd/new', data: 'n' }], root, 'plain')
    expect(readdirSync(join(root, 'd'))).toEqual(['new'])
  })
})
