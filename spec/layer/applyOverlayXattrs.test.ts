// A layer that reached the store before import refused overlayfs' own xattrs (or an index made
// by hand) never gets them onto a snapshot: applyLayer drops trusted.overlay.*, user.overlay.*
// and user.fuseoverlayfs.* from every entry, in both modes, and keeps every other xattr.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { tempStore } from '../_fixtures/store.js'
import { needRoot, unavailable } from '../_fixtures/requires.js'
import { header } from '../_fixtures/hostile.js'
import { applyLayer, type LayerIndex } from '../../lib/layer/index.js'
import { encodeHeader, END_OF_ARCHIVE } from '../../lib/tar/index.js'

const why = unavailable('overlay xattr specs', needRoot())

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

describe.skipIf(why !== undefined).each(['overlay', 'plain'] as const)('applyLayer() in %s mode', (mode) => {
  test("drops overlayfs' own xattrs from a layer, keeps the others", async () => {
    const data = Buffer.from('x')
    const digest = (await t.store.cas.put(data)).digest.slice(7)
    const xattrs = { 'trusted.overlay.redirect': '/etc/shadow', 'trusted.overlay.metacopy': '', 'user.overlay.opaque': 'y', 'user.fuseoverlayfs.x': '1', 'user.kept': 'yes' }
    const entries = [
      { h: encodeHeader(header({ name: 'd/', type: 'dir', xattrs: { 'trusted.overlay.opaque': 'y' } })) },
      { h: encodeHeader(header({ name: 'd/f', data: 'x', xattrs })), c: [[digest, data.length] as [string, number]] },
    ]
    const ix: LayerIndex = { kind: 'whole', diffId: `sha256:${'0'.repeat(64)}`, size: 0, entries, trailer: END_OF_ARCHIVE }
    const root = join(t.dir, 'x')
    mkdirSync(root)
    await applyLayer(t.store.cas, ix, root, { mode })
    const dump = spawnSync('getfattr', ['-R', '-h', '-d', '-m', '-', '--absolute-names', join(root, 'd')], { encoding: 'utf8' }).stdout
    expect(dump).toContain('user.kept="yes"')
    expect(dump).not.toMatch(/overlay/)
  })
})
