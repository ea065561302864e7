// kill -9 at seeded random points of import, build (with a RUN), commit, rmi and system prune,
// 20 trials each, each operation on a store of its own that keeps growing: after every kill
// fsck is clean (for build and commit, which make snapshots, `--snapshots` too: no half-made
// snapshot is ever in place), the images made before are whole and unchanged, a tag names a
// whole image or nothing, and running the operation again gives the same IDs as an undisturbed
// run. A prune at the end of each leaves nothing of the killed runs behind.

import { describe, expect, test } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importImage } from '../../lib/image/import.js'
import { makeTree } from './_data.js'
import { diffIdsOf, keep, open, tagOf } from './_check.js'
import { ok, runTrials } from './_trials.js'
import { skip, useFaultStore } from './_store.js'

const TRIALS = 20
const t = useFaultStore('images')

/** diffIDs of importing `src` into a fresh store of its own: what an undisturbed import gives. */
async function referenceDiffIds(src: string): Promise<string[]> {
  const s = await open(join(t.dir, `ref-${src.split('/').pop()}`))
  return [(await importImage(s, { source: src })).layer.diffId]
}

describe.skipIf(skip)('kill -9 during', () => {
  test('import of a folder (new content each trial)', async () => {
    const src = (i: number) => join(t.dir, `import-${i + 1}`)
    const want = new Map<number, string[]>()
    const stats = await runTrials({
      name: 'import', root: t.root, kept: () => t.kept,
      env: { STORE_IMPORT_MEMO: '0' },
      before: async (i) => {
        makeTree(t.dir, `import-${i + 1}`, 40, 4000)
        want.set(i, await referenceDiffIds(src(i)))
      },
      args: (i) => ['import', src(i), `imp:${i + 1}`],
      afterKill: async (i) => {
        // Tagged means whole: the tag names an image with exactly this layer.
        if (await tagOf(t.root, `imp:${i + 1}`)) expect(await diffIdsOf(t.root, `imp:${i + 1}`)).toEqual(want.get(i))
      },
      retry: async (i) => {
        await ok(t.root, ['import', src(i), `imp:${i + 1}`], { STORE_IMPORT_MEMO: '0' })
        expect(await diffIdsOf(t.root, `imp:${i + 1}`)).toEqual(want.get(i))
        t.kept.push(await keep(t.root, `imp:${i + 1}`))
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)

  test('build --no-cache with a RUN (SOURCE_DATE_EPOCH: the same image every time)', async () => {
    const ctx = join(t.dir, 'ctx')
    makeTree(ctx, 'data', 60, 2000)
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM base:1\nCOPY data /data\nRUN for i in $(seq 1 150); do echo $i > /data/r$i; done && cat /data/d0/* | md5sum > /sum\nCMD ["cat", "/sum"]\n')
    const env = { SOURCE_DATE_EPOCH: '1700000000' }
    let want: string | undefined
    const stats = await runTrials({
      name: 'build', root: t.root, kept: () => t.kept, env, snapshots: true,
      args: () => ['build', '--no-cache', '-q', '-t', 'built:1', ctx],
      afterKill: async () => {
        const id = await tagOf(t.root, 'built:1')
        if (id && want) expect(id).toBe(want)
      },
      retry: async () => {
        const id = (await ok(t.root, ['build', '--no-cache', '-q', '-t', 'built:1', ctx], env)).trim()
        want ??= id
        expect(id).toBe(want)
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
    t.kept.push(await keep(t.root, 'built:1'))
  }, 300_000)

  test('commit of a container', async () => {
    await ok(t.root, ['create', '--name', 'c1', 'base:1', 'sh', '-c', 'seq 1 20000 > /big; mkdir /d; for i in $(seq 1 200); do echo $i > /d/$i; done'])
    await ok(t.root, ['start', '-a', 'c1'])
    let want: string | undefined
    const stats = await runTrials({
      name: 'commit', root: t.root, kept: () => t.kept, snapshots: true,
      args: () => ['commit', 'c1', 'committed:1'],
      afterKill: async () => {
        if (want && (await tagOf(t.root, 'committed:1'))) expect((await diffIdsOf(t.root, 'committed:1')).at(-1)).toBe(want)
      },
      retry: async () => {
        await ok(t.root, ['commit', 'c1', 'committed:1'])
        const top = (await diffIdsOf(t.root, 'committed:1')).at(-1)!
        want ??= top
        expect(top).toBe(want)
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)

  test('rmi of an image', async () => {
    const src = makeTree(t.dir, 'rmi', 60, 3000)
    const stats = await runTrials({
      name: 'rmi', root: t.root, kept: () => t.kept,
      before: async () => {
        if (!(await tagOf(t.root, 'gone:1'))) await importImage(await open(t.root), { source: src, tag: 'gone:1' })
      },
      args: () => ['rmi', 'gone:1'],
      retry: async () => {
        const r = await ok(t.root, ['rmi', 'gone:1']).catch((e: Error) => {
          // The killed rmi got as far as the untag: the image is already gone for the user.
          if (!/No such image: gone:1/.test(e.message)) throw e
          return ''
        })
        expect(r).toBeTypeOf('string')
        expect(await tagOf(t.root, 'gone:1')).toBeUndefined()
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)

  test('system prune (dangling images and the build cache to remove)', async () => {
    const stats = await runTrials({
      name: 'prune', root: t.root, kept: () => t.kept,
      before: async (i) => {
        // Garbage: a dangling image with content of its own.
        const s = await open(t.root)
        const junk = makeTree(t.dir, `junk-${i + 1}`, 40, 3000)
        await importImage(s, { source: junk, tag: 'junk:1' })
        await s.images.untag('junk:1')
      },
      args: () => ['system', 'prune', '-f'],
      retry: async () => {
        await ok(t.root, ['system', 'prune', '-f'])
        expect((await (await open(t.root)).images.list()).map((r) => r.id).sort()).toEqual(t.kept.map((k) => k.id).sort())
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)
})
