// Driver selection: real probes on this machine (tiny mounts in a private namespace), the order
// overlay > fuse-overlayfs > copy, and what a forced driver that does not work says.

import { needRoot, unavailable } from '../_fixtures/requires.js'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backingFilesystem, probeDrivers, selectDriver, type DriverProbe } from '../../lib/driver/index.js'
import { isStoreError } from '../../lib/errors.js'
import { exitStatus } from '../../cli/_exit.js'

let root: string
beforeEach(() => {
  root = join(mkdtempSync(join(tmpdir(), 'store-probe-')), 'root')
})
afterEach(() => rmSync(join(root, '..'), { recursive: true, force: true }))

describe.skipIf(unavailable('driver probes', needRoot()) !== undefined)('probeDrivers()', () => {
  test('tries overlay, fuse-overlayfs and copy for real, and leaves nothing behind', async () => {
    const probes = await probeDrivers(root)
    expect(probes.map((p) => p.name)).toEqual(['overlay', 'fuse-overlayfs', 'copy'])
    const byName = Object.fromEntries(probes.map((p) => [p.name, p]))
    expect(byName.overlay).toMatchObject({ ok: true, reason: expect.stringContaining('kernel overlayfs') })
    expect(byName.copy).toMatchObject({ ok: true, reason: expect.stringMatching(/full copies with(out)? reflinks/) })
    expect(byName['fuse-overlayfs'].ok).toBe(existsSync('/usr/bin/fuse-overlayfs'))
    expect(readdirSync(join(root, 'ingest'))).toEqual([])
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(root)
  })

  test('selectDriver() takes the first that works, or the forced one', async () => {
    expect((await selectDriver(root)).driver.name).toBe('overlay')
    const forced = await selectDriver(root, 'copy')
    expect(forced.driver.name).toBe('copy')
    expect(forced.probes).toHaveLength(1)
  })
})

describe('selectDriver() with drivers that do not work', () => {
  const probe = (ok: string[]) => async (_: string, name: DriverProbe['name']): Promise<DriverProbe> =>
    ({ name, ok: ok.includes(name), reason: ok.includes(name) ? 'fine' : `${name} is broken here` })

  test('skips failing drivers in order and says why it chose', async () => {
    const r = await selectDriver(root, undefined, probe(['copy']))
    expect(r.driver.name).toBe('copy')
    expect(r.probes.map((p) => `${p.name}:${p.ok}`)).toEqual(['overlay:false', 'fuse-overlayfs:false', 'copy:true'])
  })

  test('a forced driver that does not work is DRIVER_UNAVAILABLE with the reason', async () => {
    const e = await selectDriver(root, 'overlay', probe(['copy'])).catch((x) => x)
    expect(isStoreError(e, 'DRIVER_UNAVAILABLE')).toBe(true)
    expect(e.message).toBe('storage driver "overlay" is not usable here: overlay is broken here')
  })

  test('an unknown driver name is a user error', async () => {
    const e = await selectDriver(root, 'zfs' as never, probe([])).catch((x) => x)
    expect(isStoreError(e, 'INVALID_ARGUMENT')).toBe(true)
    expect(exitStatus(e, 'images')).toBe(1)
  })
})

test('backingFilesystem() names the file system type', async () => {
  const fs = await backingFilesystem(tmpdir())
  expect(fs).toMatch(/^[a-z0-9./]+$/)
  expect(fs).toBe(readFileSync('/proc/self/mountinfo', 'utf8').includes(' - ' + fs + ' ') ? fs : 'not in mountinfo')
})
