// Concurrent writers on one root, as real processes: imports, a build with a RUN, rmi, tag and
// system prune all at once, round after round. Nothing waits on anything in a cycle (each
// command ends: a hung one is killed after 60 s and fails the spec), every command either
// succeeds or gives Docker's error, and after each round fsck is clean and no tag names a
// deleted image. Then the race issue 11 reproduced: rmi -f against a cached build and a load of
// the same image, ten times.

import { describe, expect, test } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { store } from './_procs.js'
import { makeTree } from './_data.js'
import { diffIdsOf, expectSound, keep, open, tagOf } from './_check.js'
import { importImage } from '../../lib/image/import.js'
import { ok } from './_trials.js'
import { skip, useFaultStore } from './_store.js'

const t = useFaultStore('concurrent')
const SDE = { SOURCE_DATE_EPOCH: '1700000000' }

async function noDanglingTag(root: string): Promise<void> {
  const s = await open(root)
  const ids = new Set((await s.images.list()).map((r) => r.id))
  expect(Object.entries(await s.images.tags()).filter(([, id]) => !ids.has(id))).toEqual([])
}

/** Succeeded, or failed only because a concurrent command removed what it named first. */
const okOrGone = (r: { status: number; stderr: string }) => {
  if (r.status !== 0) expect(r.stderr).toMatch(/^Error: No such image: /)
}

describe.skipIf(skip)('concurrent writers on one root', () => {
  test('imports + build (RUN) + rmi + tag + prune at once, five rounds', async () => {
    const ctx = join(t.dir, 'ctx')
    makeTree(ctx, 'data', 30, 2000)
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM base:1\nCOPY data /data\nRUN for i in $(seq 1 100); do echo $i > /data/r$i; done\n')
    const built = (await ok(t.root, ['build', '-q', '-t', 'built:0', ctx], SDE)).trim()
    t.kept.push(await keep(t.root, 'built:0'))
    const want = new Map<string, string[]>()
    for (let round = 1; round <= 5; round++) {
      const srcs = [0, 1, 2].map((k) => makeTree(t.dir, `c${round}-${k}`, 30, 3000))
      const results = await Promise.all([
        ...srcs.map((src, k) => store(t.root, ['import', src, `imp${k}:${round}`])),
        store(t.root, ['build', '--no-cache', '-q', '-t', `built:${round}`, ctx], { env: SDE }),
        store(t.root, ['system', 'prune', '-f']),
        store(t.root, ['rmi', `imp0:${round - 1}`, `imp1:${round - 1}`]),
        store(t.root, ['tag', `imp2:${round - 1}`, `again:${round}`]),
      ])
      const [i0, i1, i2, b, prune, rmi, tag] = results
      for (const r of [i0, i1, i2, b, prune]) expect(r.status, r.stderr).toBe(0)
      if (round > 1) {
        okOrGone(rmi)
        okOrGone(tag)
      }
      expect(b.stdout.trim()).toBe(built) // the same image whatever ran beside it
      await expectSound(t.root, t.kept)
      await noDanglingTag(t.root)
      // What was made this round is whole (prune without -a keeps tagged images).
      for (const [k, src] of srcs.entries()) {
        if (!want.has(src)) want.set(src, [(await importImage(await open(join(t.dir, 'ref')), { source: src })).layer.diffId])
        expect(await diffIdsOf(t.root, `imp${k}:${round}`)).toEqual(want.get(src))
      }
    }
  }, 300_000)

  test('rmi -f racing a cached build and a load of the same image never leaves a tag on a deleted image', async () => {
    const ctx = join(t.dir, 'ctx2')
    makeTree(ctx, 'data', 20, 2000)
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM base:1\nCOPY data /data\nRUN echo built > /built\n')
    const id = (await ok(t.root, ['build', '-q', '-t', 'race:1', ctx], SDE)).trim()
    const archive = join(t.dir, 'race.tar')
    await ok(t.root, ['save', '-o', archive, 'race:1'])
    for (let round = 0; round < 10; round++) {
      const [rmi, build, load] = await Promise.all([
        store(t.root, ['rmi', '-f', 'race:1']),
        store(t.root, ['build', '-q', '-t', 'race:1', ctx], { env: SDE }),
        store(t.root, ['load', '-i', archive]),
      ])
      okOrGone(rmi)
      expect(build.status, build.stderr).toBe(0)
      expect(build.stdout.trim()).toBe(id)
      expect(load.status, load.stderr).toBe(0)
      await noDanglingTag(t.root)
      await expectSound(t.root, t.kept)
      const now = await tagOf(t.root, 'race:1')
      if (now) expect(now).toBe(id)
    }
  }, 300_000)
})
