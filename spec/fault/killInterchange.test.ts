// kill -9 at seeded random points of `save -o` and `load`, 20 trials each: the archive named by
// -o is the complete archive or does not exist (never a partial one, and the killed run's temp
// file beside it is gone once save runs again); a load tags a whole image or nothing; a retry
// gives the same bytes (save) and the same image ID (load).

import { describe, expect, test } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeTree } from './_data.js'
import { tagOf } from './_check.js'
import { ok, runTrials } from './_trials.js'
import { skip, useFaultStore } from './_store.js'

const TRIALS = 20
const t = useFaultStore('interchange')
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

describe.skipIf(skip)('kill -9 during', () => {
  test('save -o of two images', async () => {
    const out = join(t.dir, 'saved.tar')
    let want: string | undefined
    const stats = await runTrials({
      name: 'save', root: t.root, kept: () => t.kept,
      args: () => ['save', '-o', out, 'base:1', 'keep:1'],
      afterKill: async () => {
        if (existsSync(out)) expect(sha(out)).toBe(want)
      },
      retry: async () => {
        await ok(t.root, ['save', '-o', out, 'base:1', 'keep:1'])
        want ??= sha(out)
        expect(sha(out)).toBe(want)
        // The killed run's `saved.tar.tmp-<pid>` was swept by this save.
        expect(readdirSync(t.dir).filter((n) => n.startsWith('saved.tar.'))).toEqual([])
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)

  test('load of an archive whose image is not in the store', async () => {
    await ok(t.root, ['import', makeTree(t.dir, 'loaded', 60, 3000), 'ld:1'])
    const archive = join(t.dir, 'ld.tar')
    await ok(t.root, ['save', '-o', archive, 'ld:1'])
    const want = await tagOf(t.root, 'ld:1')
    const stats = await runTrials({
      name: 'load', root: t.root, kept: () => t.kept,
      before: async () => {
        if (await tagOf(t.root, 'ld:1')) await ok(t.root, ['rmi', 'ld:1'])
      },
      args: () => ['load', '-i', archive],
      afterKill: async () => {
        const id = await tagOf(t.root, 'ld:1')
        if (id) expect(id).toBe(want)
      },
      retry: async () => {
        expect(await ok(t.root, ['load', '-i', archive])).toBe('Loaded image: ld:1\n')
        expect(await tagOf(t.root, 'ld:1')).toBe(want)
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)
})
