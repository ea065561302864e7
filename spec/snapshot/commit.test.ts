// commitSnapshot() on a writable layer made by hand (a folder and its changes, no container):
// what it may take and what it must copy, and what a file changed after the scan does (the
// commit is abandoned, nothing of it stays, and the snapshot is extracted from the layer when
// first used, with the layer's bytes). Per form that needs no file system of its own; the form
// contract (_forms.ts) runs real containers over every form.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { appendFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { needRoot, unavailable } from '../_fixtures/requires.js'
import { addLayer } from '../../lib/image/create.js'
import { changesTar, dirTar, type LayerRecord } from '../../lib/layer/index.js'
import { commitSnapshot, ensureSnapshots, WritableFiles } from '../../lib/snapshot/index.js'
import { mergedView, type LayerChange } from '../../lib/driver/index.js'
import type { SharingMethod } from '../../lib/snapshot/types.js'

const skip = unavailable('commitSnapshot specs', needRoot()) // stubs carry trusted.overlay.* xattrs
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const BIG = seededBytes(300_000, 77)
const OTHER = seededBytes(200_000, 78)

for (const form of ['data-only', 'hardlink', 'copy'] as SharingMethod[]) {
  describe.skipIf(skip !== undefined)(`commitSnapshot, ${form} form`, () => {
    let t: Awaited<ReturnType<typeof tempStore>>
    let base: LayerRecord
    let w: string
    let changes: LayerChange[]
    beforeEach(async () => {
      t = await tempStore()
      mkdirSync(join(t.dir, 'base/etc'), { recursive: true })
      writeFileSync(join(t.dir, 'base/etc/hosts'), 'base\n')
      base = (await addLayer(t.store, null, dirTar(join(t.dir, 'base')))).record
      await ensureSnapshots(t.store.cas, t.store.layout, [base], { form })
      // The writable layer: data/big (its own), data/shared (another name, outside the layer).
      w = join(t.dir, 'upper')
      mkdirSync(join(w, 'data'), { recursive: true })
      writeFileSync(join(w, 'data/big'), BIG)
      writeFileSync(join(w, 'data/shared'), OTHER)
      linkSync(join(w, 'data/shared'), join(t.dir, 'outside'))
      changes = ['data', 'data/big', 'data/shared'].map((path) => ({ kind: 'add', path, source: join(w, path), root: w }))
    })
    afterEach(() => t.cleanup())

    const commit = async (before?: () => void) => {
      const files = await WritableFiles.scan({ changes, disposable: true })
      try {
        const layers = [base, (await addLayer(t.store, base.chainId, changesTar(changes))).record]
        before?.()
        return { layers, result: await commitSnapshot(t.store.cas, t.store.layout, layers, files, { form }) }
      } finally {
        files.close()
      }
    }
    /** Where a file's bytes are now: the pool's file, or (copy form) the snapshot's. */
    const holder = (top: LayerRecord, rel: string, content: Buffer) => {
      if (form === 'copy') return join(t.store.layout.snapshot(top.chainId), rel)
      const shard = join(t.store.layout.poolDir, sha(content).slice(0, 2))
      return join(shard, readdirSync(shard).find((n) => n.startsWith(sha(content)))!)
    }

    test('takes the inode of a file only the layer names; copies one with a name outside it', async () => {
      const { layers, result } = await commit()
      expect(result).toBe('committed')
      const top = layers[1]
      expect(lstatSync(holder(top, 'data/big', BIG)).ino).toBe(lstatSync(join(w, 'data/big')).ino)
      expect(lstatSync(holder(top, 'data/shared', OTHER)).ino).not.toBe(lstatSync(join(t.dir, 'outside')).ino)
      expect(readFileSync(join(t.dir, 'outside')).equals(OTHER)).toBe(true)
      const view = mergedView((await ensureSnapshots(t.store.cas, t.store.layout, layers, { form })).dirs.reverse())
      for (const [p, want] of [['data/big', BIG], ['data/shared', OTHER]] as const) {
        const e = (await view.entry(p))!
        expect(readFileSync(e.content ?? e.path).equals(want)).toBe(true)
      }
    })

    test('a file changed after the scan abandons the commit: nothing of it stays, and the layer is extracted when used', async () => {
      const { layers, result } = await commit(() => appendFileSync(join(w, 'data/big'), 'changed'))
      expect(result).toBe('changed')
      const snaps = readdirSync(t.store.layout.snapshotsDir)
      expect(snaps.filter((n) => n.includes(layers[1].chainId.slice(7)))).toEqual([])
      expect(snaps.filter((n) => n.includes('.tmp-'))).toEqual([])
      if (existsSync(t.store.layout.poolDir)) expect(readdirSync(t.store.layout.poolDir).filter((n) => n.startsWith('.tmp-'))).toEqual([])
      const r = await ensureSnapshots(t.store.cas, t.store.layout, layers, { form })
      expect(r.built).toContain(layers[1].chainId)
      const e = (await mergedView([...r.dirs].reverse()).entry('data/big'))!
      expect(readFileSync(e.content ?? e.path).equals(BIG)).toBe(true) // the layer's bytes, not the changed file's
    })
  })
}
