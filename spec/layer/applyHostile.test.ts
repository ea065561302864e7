// applyLayer() on hostile layers that never went through import's checks (as a layer stored
// before them, or an index made by hand would): in both modes every write stays inside the
// root (symlinks in parent positions are followed INSIDE it, containerd's behaviour) or the
// entry is refused with an error naming it, and the canary folder beside the root is untouched.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { tempStore } from '../_fixtures/store.js'
import { needRoot, unavailable } from '../_fixtures/requires.js'
import { header, hostileCases, makeCanary, type Ent } from '../_fixtures/hostile.js'
import { applyLayer, type LayerIndex } from '../../lib/layer/index.js'
import { encodeHeader, END_OF_ARCHIVE } from '../../lib/tar/index.js'
import { isStoreError } from '../../lib/errors.js'
import type { Store } from '../../lib/store.js'

const why = unavailable('hostile apply specs', needRoot())

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

/** An index for `ents` as given: no import checks on the way. */
async function indexOf(store: Store, ents: Ent[]): Promise<LayerIndex> {
  const entries = []
  for (const e of ents) {
    const data = Buffer.from(e.data ?? '')
    const c = data.length > 0 ? [[(await store.cas.put(data)).digest.slice(7), data.length] as [string, number]] : undefined
    entries.push({ h: encodeHeader(header(e)), c })
  }
  return { kind: 'whole', diffId: `sha256:${'0'.repeat(64)}`, size: 0, entries, trailer: END_OF_ARCHIVE }
}

/** Where each case's written file lands when the link is followed inside the root. */
const landing: Record<string, { path: (crel: string) => string; mode?: number }> = {
  'a symlink, then a file through it': { path: (c) => `${c}/new` },
  'a relative symlink out': { path: (c) => `${c}/new` },
  'a symlink chain': { path: (c) => `${c}/new` },
  'a hardlink to a symlink, then a file through it': { path: (c) => `${c}/new` },
  'a hardlink to a symlink replacing a host file (setuid)': { path: (c) => `${c}/canary.txt`, mode: 0o4755 },
  'a hardlink to a symlink replacing a host dir': { path: (c) => `${c}/sub` },
  'a dir replaced by a link, then written through': { path: (c) => `${c}/new` },
}

describe.skipIf(why !== undefined).each(['overlay', 'plain'] as const)('applyLayer() in %s mode', (mode) => {
  const probe = hostileCases('/CANARY')
  test.each(probe.map((c) => [c.name]))('%s: refused, or kept inside the root', async (name) => {
    const canary = makeCanary(join(t.dir, 'canary'))
    const before = canary.fingerprint()
    const c = hostileCases(canary.dir).find((x) => x.name === name)!
    const root = join(t.dir, 'extract')
    mkdirSync(root)
    const outside = readdirSync(t.dir).sort()
    const err = await applyLayer(t.store.cas, await indexOf(t.store, c.entries), root, { mode }).then(() => undefined, (e) => e)
    if (err) {
      expect(isStoreError(err, 'PATH_ESCAPE') || isStoreError(err, 'LAYER_CORRUPT'), String(err)).toBe(true)
      const named = c.outcome.refused ? c.outcome.entry : ''
      expect(err.message).toContain(`"${named}`)
    } else {
      const land = landing[name]
      if (land) {
        const st = lstatSync(join(root, land.path(canary.dir.slice(1))))
        if (land.mode) expect(st.mode & 0o7777).toBe(land.mode)
      }
    }
    expect(canary.fingerprint()).toBe(before)
    expect(readdirSync(t.dir).sort()).toEqual(outside)
  })

  test('a symlink of a lower layer is followed inside the root by the next layer (plain), or shadowed by it (overlay)', async () => {
    const canary = makeCanary(join(t.dir, 'canary'))
    const before = canary.fingerprint()
    const root = join(t.dir, 'extract')
    mkdirSync(root)
    await applyLayer(t.store.cas, await indexOf(t.store, [{ name: 'evil', type: 'symlink', linkname: canary.dir }]), root, { mode })
    // Overlay mode extracts each layer into its own snapshot; plain mode applies onto the tree.
    const next = mode === 'plain' ? root : join(t.dir, 'next')
    mkdirSync(next, { recursive: true })
    await applyLayer(t.store.cas, await indexOf(t.store, [{ name: 'evil/new', data: 'inside\n' }, { name: 'evil/.wh.canary.txt' }]), next, { mode })
    if (mode === 'plain') {
      expect(readlinkSync(join(root, 'evil'))).toBe(canary.dir)
      expect(readFileSync(join(root, canary.dir, 'new'), 'utf8')).toBe('inside\n')
    } else {
      expect(lstatSync(join(next, 'evil')).isDirectory()).toBe(true)
      expect(lstatSync(join(next, 'evil/canary.txt')).isCharacterDevice()).toBe(true)
    }
    expect(canary.fingerprint()).toBe(before)
  })

  test('a device node lands inside the root with its mode; a setuid file keeps its bit', async () => {
    const root = join(t.dir, 'extract')
    mkdirSync(root)
    const c = hostileCases('/x').find((x) => x.name === 'a device node and a setuid file')!
    await applyLayer(t.store.cas, await indexOf(t.store, c.entries), root, { mode })
    const dev = lstatSync(join(root, 'devs/null'))
    expect(dev.isCharacterDevice()).toBe(true)
    expect([dev.mode & 0o7777, Number(dev.rdev)]).toEqual([0o666, (1 << 8) | 3])
    expect(lstatSync(join(root, 'suid')).mode & 0o7777).toBe(0o4755)
  })
})

describe.skipIf(why !== undefined)('applyLayer() special files', () => {
  test('a queued xattr is set before its dir is replaced by a link, never through the link', async () => {
    const canary = makeCanary(join(t.dir, 'canary'))
    const root = join(t.dir, 'extract')
    mkdirSync(root)
    const c = hostileCases(canary.dir).find((x) => x.name === 'an xattr queued, then its dir replaced by a link')!
    await applyLayer(t.store.cas, await indexOf(t.store, c.entries), root, { mode: 'overlay' })
    const x = spawnSync('getfattr', ['-d', '--absolute-names', join(canary.dir, 'canary.txt')], { encoding: 'utf8' })
    expect(x.stdout).not.toContain('user.evil')
    expect(readlinkSync(join(root, 'x'))).toBe(canary.dir)
  })
})
