// End-to-end: the prunes' `--filter until=… label=… label!=…` and `volume ls --filter` (issue 15),
// as Docker matches them: only what every filter selects is removed; a bad key or value is
// Docker's error and removes nothing.

import { describe, expect, test } from 'vitest'
import { store, storeIn } from '../_fixtures/cli.js'
import { storeOk, busyboxStore } from '../_fixtures/containers.js'

// Root, busybox: a printed reason to skip on a developer's machine, a failure under CI.
const bx = busyboxStore('store-e2e-prune-filters-')
const why = bx.why

const ok = (args: string[]) => storeOk(bx.root, args)
const lines = (s: string) => s.split('\n').filter(Boolean).sort()

describe.skipIf(why !== undefined)('prune filters', () => {
  test('container prune removes only the stopped containers every filter selects', async () => {
    const mk = async (name: string, labels: string[]) => (await ok(['create', '--name', name, '--network', 'none', ...labels.flatMap((l) => ['--label', l]), 'busybox', 'true'])).trim()
    const a = await mk('pa', ['tier=web'])
    const b = await mk('pb', ['tier=db'])
    const c = await mk('pc', [])
    expect(await ok(['container', 'prune', '-f', '--filter', 'until=1h'])).toBe('Total reclaimed space: 0B\n')
    expect(await ok(['container', 'prune', '-f', '--filter', 'label=tier=web'])).toBe(`Deleted Containers:\n${a}\n\nTotal reclaimed space: 0B\n`)
    expect(await ok(['container', 'prune', '-f', '--filter', 'label!=tier'])).toBe(`Deleted Containers:\n${c}\n\nTotal reclaimed space: 0B\n`)
    expect(lines(await ok(['ps', '-aq', '--no-trunc']))).toEqual([b])
    const bad = await storeIn(bx.root, ['container', 'prune', '-f', '--filter', 'bogus=1'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toBe("Error: invalid filter 'bogus'\n")
    const badTime = await storeIn(bx.root, ['container', 'prune', '-f', '--filter', 'until=soon'])
    expect(badTime.status).toBe(1)
    expect(badTime.stderr).toBe('Error: failed to parse value as time or duration: "soon"\n')
    expect(lines(await ok(['ps', '-aq', '--no-trunc']))).toEqual([b])
    await ok(['container', 'prune', '-f', '--filter', 'until=0s'])
    expect(await ok(['ps', '-aq'])).toBe('')
  })

  test('image prune -a removes only the unused images whose labels the filters select', async () => {
    await ok(['import', bx.bb, 'lab/web', '--change', 'LABEL tier=web', '--change', 'ENV X=1'])
    await ok(['import', bx.bb, 'lab/db', '--change', 'LABEL tier=db', '--change', 'ENV X=2'])
    const web = (await ok(['images', '-q', '--no-trunc', 'lab/web'])).trim()
    const out = await ok(['image', 'prune', '-a', '-f', '--filter', 'label=tier=web'])
    expect(out).toContain(`deleted: ${web}`)
    expect(lines(await ok(['images', '--format', '{{.Repository}}']))).toEqual(['busybox', 'lab/db'])
    await ok(['image', 'prune', '-a', '-f', '--filter', 'label!=tier'])
    expect(lines(await ok(['images', '--format', '{{.Repository}}']))).toEqual(['lab/db'])
  })

  test('volume prune --filter label, and volume ls --filter name as a regular expression', async () => {
    await ok(['volume', 'create', '--label', 'keep=no', 'v-one'])
    await ok(['volume', 'create', '--label', 'keep=yes', 'v-two'])
    await ok(['volume', 'create', 'other'])
    expect(await ok(['volume', 'ls', '-q', '--filter', 'name=^v-'])).toBe('v-one\nv-two\n')
    expect(await ok(['volume', 'ls', '-q', '--filter', 'label=keep=yes'])).toBe('v-two\n')
    const r = await ok(['volume', 'prune', '-f', '--filter', 'all=true', '--filter', 'label=keep=no'])
    expect(r).toContain('Deleted Volumes:\nv-one\n')
    expect(await ok(['volume', 'ls', '-q'])).toBe('other\nv-two\n')
    const bad = await storeIn(bx.root, ['volume', 'ls', '--filter', 'bogus=1'])
    expect(bad.stderr).toBe("Error: invalid filter 'bogus'\n")
  })
})
