// What interrupted operations leave is found (for `system df`) and removed (by `system prune`,
// and by the next operation of its kind) once its writer is gone, and never while it runs.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import { findLeftovers, reclaimLeftovers } from '../../lib/system/leftovers.js'
import { collectGarbage } from '../../lib/system/gc.js'
import { createVolumeStore } from '../../lib/mount/volumes.js'
import { writeOutputFile } from '../../lib/_outputFile.js'
import { deadPid } from '../lock/_holders.js'

let t: Awaited<ReturnType<typeof tempStore>>
let dead: number
beforeEach(async () => {
  t = await tempStore()
  dead = deadPid()
})
afterEach(() => t.cleanup())

const ID = 'c'.repeat(64)
const kinds = async () => (await findLeftovers(t.store)).map((l) => `${l.kind} ${l.path.slice(t.store.root.length + 1)} ${l.bytes}`).sort()

async function leaveEverything(pid: number) {
  const l = t.store.layout
  await mkdir(join(l.volumesDir, `.rm-${pid}-0123456789ab`, '_data'), { recursive: true })
  await writeFile(join(l.volumesDir, `.rm-${pid}-0123456789ab`, '_data', 'data'), 'x'.repeat(1000))
  await mkdir(join(l.volumesDir, `.tmp-${pid}-0123456789ab`, '_data'), { recursive: true })
  await writeFile(join(l.imagesDir, `repositories.json.tmp-${pid}-01234567`), '{"ta')
  await writeFile(join(l.locksDir, `tags.lock.${pid}-01234567.new`), `${pid}\n`)
  await mkdir(join(l.snapshotsDir, `${'a'.repeat(64)}.tmp-${pid}-01234567`, 'etc'), { recursive: true })
  await writeFile(join(l.snapshotsDir, `${'a'.repeat(64)}.tmp-${pid}-01234567`, 'etc', 'f'), '12345')
}

describe('leftovers of a process that is gone', () => {
  test('are counted by kind and size, and removed by prune’s step and gc', async () => {
    await leaveEverything(dead)
    await mkdir(join(t.store.layout.containersDir, ID, 'upper'), { recursive: true }) // a create killed before its record
    await writeFile(join(t.store.layout.ingestDir, `chunk.${dead}-ab-1`), 'y'.repeat(70))
    expect(await kinds()).toEqual([
      `container containers/${ID} 0`,
      `ingest ingest/chunk.${dead}-ab-1 70`,
      `lock locks/tags.lock.${dead}-01234567.new ${String(dead).length + 1}`,
      `record images/repositories.json.tmp-${dead}-01234567 4`,
      `snapshot snapshots/${'a'.repeat(64)}.tmp-${dead}-01234567 5`,
      `volume volumes/.rm-${dead}-0123456789ab 1000`,
      `volume volumes/.tmp-${dead}-0123456789ab 0`,
    ])
    const r = await reclaimLeftovers(t.store)
    expect(r).toEqual({ entries: 5, bytes: 1000 + 4 + String(dead).length + 1, byKind: { record: 1, lock: 1, volume: 2, container: 1 } })
    const gc = await collectGarbage(t.store)
    expect([gc.ingestFiles, gc.snapshotTemps]).toEqual([1, 1])
    expect(await kinds()).toEqual([])
  })

  test('volume create, rm and prune sweep the volume ones first', async () => {
    const volumes = createVolumeStore(t.store.layout)
    for (const op of [() => volumes.create('v1'), () => volumes.remove('v1', []), () => volumes.prune(() => false)]) {
      await leaveEverything(dead)
      await op()
      expect((await readdir(t.store.layout.volumesDir)).filter((n) => n.startsWith('.'))).toEqual([])
    }
  })
})

test('leftovers named after a live process (work in flight) are neither counted nor removed', async () => {
  await leaveEverything(process.pid)
  expect(await kinds()).toEqual([])
  expect(await reclaimLeftovers(t.store)).toMatchObject({ entries: 0 })
  expect((await readdir(t.store.layout.volumesDir)).sort()).toEqual([`.rm-${process.pid}-0123456789ab`, `.tmp-${process.pid}-0123456789ab`])
  // Nor by gc: a snapshot temp of a live writer (fsck's scratch tree takes no lease) stays.
  expect((await collectGarbage(t.store)).snapshotTemps).toBe(0)
  expect(await readdir(t.store.layout.snapshotsDir)).toEqual([`${'a'.repeat(64)}.tmp-${process.pid}-01234567`])
})

describe('save/export -o', () => {
  async function* bytes() {
    yield new TextEncoder().encode('archive')
  }
  test('a dead writer’s temp file is found through its note, and the next writer removes it', async () => {
    const other = join(t.dir, 'elsewhere.tar')
    const tmp = `${other}.tmp-${dead}`
    await writeFile(tmp, 'partial')
    await mkdir(t.store.layout.pendingDir, { recursive: true })
    await writeFile(join(t.store.layout.pendingDir, `${dead}-0123456789ab.json`), JSON.stringify({ path: tmp }))
    expect((await kinds()).map((k) => k.split(' ')[0])).toEqual(['output', 'output'])
    await writeOutputFile(t.store.layout, join(t.dir, 'out.tar'), bytes())
    expect(existsSync(tmp)).toBe(false)
    expect(await readdir(t.store.layout.pendingDir)).toEqual([])
    expect(await readdir(t.dir)).toContain('out.tar')
  })
  test('a note never makes a sweep remove a file its writer could not have made', async () => {
    const victim = join(t.dir, 'precious')
    await writeFile(victim, 'keep me')
    await mkdir(t.store.layout.pendingDir, { recursive: true })
    await writeFile(join(t.store.layout.pendingDir, `${dead}-0123456789ab.json`), JSON.stringify({ path: victim }))
    await reclaimLeftovers(t.store)
    expect(existsSync(victim)).toBe(true)
  })
  test('a temp file beside the target without a note (an older store) goes when that target is written again', async () => {
    const target = join(t.dir, 'out.tar')
    await writeFile(`${target}.tmp-${dead}`, 'partial')
    await writeOutputFile(t.store.layout, target, bytes())
    expect((await readdir(t.dir)).filter((n) => n.startsWith('out.tar'))).toEqual(['out.tar'])
  })
})
