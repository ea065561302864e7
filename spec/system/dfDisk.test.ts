// `system df`'s On Disk areas (lib/system/dfDisk.ts): every byte under the root, allocated,
// each inode once, in the area of what it is for; what interrupted work left and what no part
// of the store owns is temp. Their sum is `du --block-size=1 -s` of the root.

import { spawnSync } from 'node:child_process'
import { link, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { addLayer, putImage } from '../../lib/image/create.js'
import { dirTar } from '../../lib/layer/index.js'
import { diskAreas } from '../../lib/system/dfDisk.js'
import { findLeftovers } from '../../lib/system/leftovers.js'
import { snapshotUsage } from '../../lib/snapshot/index.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { tempStore } from '../_fixtures/store.js'
import { deadPid } from '../lock/_holders.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

const du = (path: string) => Number(spawnSync('du', ['--block-size=1', '-s', path], { encoding: 'utf8' }).stdout.split('\t')[0])
const areas = async () => diskAreas(t.store.layout, snapshotUsage(t.store.layout), (await findLeftovers(t.store)).map((l) => l.path))

test('the areas add up to du of the root; leftovers and strays are temp; a hard-linked file counts once', async () => {
  const l = t.store.layout
  const tree = join(t.dir, 'tree')
  await mkdir(tree)
  for (let i = 0; i < 4; i++) await writeFile(join(tree, `f${i}`), seededBytes(40_000, 70 + i))
  const layer = (await addLayer(t.store, null, dirTar(tree))).record
  await putImage(t.store, { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffId] }, history: [] }, { tags: ['x:1'] })
  const before = await areas()
  expect(before.blobs).toBeGreaterThan(100_000)
  expect(before.temp).toBe(du(l.ingestDir)) // ingest/ itself, empty

  // A volume whose file has two names: du counts its blocks once, and so does df.
  await mkdir(join(l.volume('v'), '_data'), { recursive: true })
  await writeFile(join(l.volume('v'), '_data', 'a'), seededBytes(50_000, 80))
  await link(join(l.volume('v'), '_data', 'a'), join(l.volume('v'), '_data', 'b'))
  // What a killed process left, and a file nobody's.
  const dead = deadPid()
  await mkdir(join(l.volumesDir, `.rm-${dead}-0123456789ab`, '_data'), { recursive: true })
  await writeFile(join(l.volumesDir, `.rm-${dead}-0123456789ab`, '_data', 'old'), seededBytes(30_000, 81))
  await mkdir(join(l.containersDir, 'c'.repeat(64), 'upper'), { recursive: true })
  await writeFile(join(l.ingestDir, `chunk.${dead}-ab-1`), seededBytes(9_000, 82))
  await writeFile(join(l.packsDir, `${'e'.repeat(64)}.pack`), seededBytes(5_000, 83))
  await writeFile(join(l.root, 'notes.txt'), 'mine\n')

  const a = await areas()
  expect(a.total).toBe(du(l.root))
  expect(a.total).toBe(a.blobs + a.snapshots + a.containers + a.volumes + a.buildCache + a.records + a.temp)
  expect(a.blobs).toBe(before.blobs) // the pack without an index is temp
  expect(a.volumes).toBe(du(l.volumesDir) - du(join(l.volumesDir, `.rm-${dead}-0123456789ab`)))
  expect(a.volumes).toBeLessThan(2 * 50_000) // one inode, two names
  expect(a.containers).toBe(du(l.containersDir) - du(l.container('c'.repeat(64)))) // a dir without a record is temp
  expect(a.temp).toBe(
    before.temp + du(join(l.volumesDir, `.rm-${dead}-0123456789ab`)) + du(l.container('c'.repeat(64))) + du(join(l.ingestDir, `chunk.${dead}-ab-1`)) +
      du(join(l.packsDir, `${'e'.repeat(64)}.pack`)) + du(join(l.root, 'notes.txt')),
  )
})
