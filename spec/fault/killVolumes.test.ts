// kill -9 at seeded random points of `volume create` and `volume rm`, 20 trials each: a volume
// is there whole or not at all; the hidden temp (create) and trash (rm, all the data) dirs a
// killed run leaves are removed by the next create or rm, and counted by `system df` until then.

import { describe, expect, test } from 'vitest'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { store } from './_procs.js'
import { ok, runTrials } from './_trials.js'
import { skip, useFaultStore } from './_store.js'

const TRIALS = 20
const t = useFaultStore('volumes', { prune: ['--volumes'] })
const volumesDir = () => join(t.root, 'volumes')
const hidden = () => readdirSync(volumesDir()).filter((n) => n.startsWith('.'))
const listed = async () => (await ok(t.root, ['volume', 'ls', '-q'])).split('\n').filter(Boolean)
const FILES = 200

describe.skipIf(skip)('kill -9 during', () => {
  test('volume create', async () => {
    const stats = await runTrials({
      name: 'volume create', root: t.root, kept: () => t.kept,
      args: (i) => ['volume', 'create', `v${i + 1}`],
      afterKill: async (i) => {
        if ((await listed()).includes(`v${i + 1}`)) expect(readdirSync(join(volumesDir(), `v${i + 1}`)).sort()).toEqual(['_data', 'opts.json'])
      },
      retry: async (i) => {
        expect(await ok(t.root, ['volume', 'create', `v${i + 1}`])).toBe(`v${i + 1}\n`)
        expect(await listed()).toContain(`v${i + 1}`)
        expect(hidden()).toEqual([])
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)

  test('volume rm of a volume holding data', async () => {
    let dfSeen = false
    const stats = await runTrials({
      name: 'volume rm', root: t.root, kept: () => t.kept,
      before: async (i) => {
        await ok(t.root, ['volume', 'create', `r${i + 1}`])
        const data = join(volumesDir(), `r${i + 1}`, '_data')
        for (let f = 0; f < FILES; f++) {
          mkdirSync(join(data, `d${f % 10}`), { recursive: true })
          writeFileSync(join(data, `d${f % 10}`, `f${f}`), `${f}\n`.repeat(50))
        }
      },
      args: (i) => ['volume', 'rm', `r${i + 1}`],
      afterKill: async (i) => {
        // There with every file, or gone; a trash dir left meanwhile is counted by df.
        if ((await listed()).includes(`r${i + 1}`)) {
          const data = join(volumesDir(), `r${i + 1}`, '_data')
          expect(readdirSync(data).flatMap((d) => readdirSync(join(data, d))).length).toBe(FILES)
        }
        if (hidden().length > 0 && !dfSeen) {
          expect(await ok(t.root, ['system', 'df'])).toMatch(/Left by interrupted operations: \d+ temp entr/)
          dfSeen = true
        }
      },
      retry: async (i) => {
        const r = await store(t.root, ['volume', 'rm', `r${i + 1}`])
        if (r.status !== 0) expect(r.stderr).toBe(`Error: get r${i + 1}: no such volume\n`)
        expect(await listed()).not.toContain(`r${i + 1}`)
        expect(hidden()).toEqual([])
      },
    }, TRIALS)
    expect(stats.killed).toBeGreaterThan(0)
  }, 300_000)
})
