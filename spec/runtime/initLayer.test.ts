// The init layer: mount points the image lacks, in a dir on top of its snapshots, invisible
// otherwise (dirs the image has keep their mode, owner and times; symlinks are not shadowed).

import { needRoot, unavailable } from '../_fixtures/requires.js'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareInitLayer } from '../../lib/runtime/index.js'
import { specFor } from './_run.js'

let tmp: string
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'store-init-'))
})
afterEach(() => rmSync(tmp, { recursive: true, force: true }))

describe.skipIf(unavailable('init layer specs', needRoot()) !== undefined)('prepareInitLayer()', () => {
  test('creates only what the image lacks, with the image metadata on the dirs on the way', async () => {
    const img = join(tmp, 'img')
    mkdirSync(join(img, 'etc'), { recursive: true })
    writeFileSync(join(img, 'etc/hosts'), 'image hosts\n')
    mkdirSync(join(img, 'var/lib/mysql'), { recursive: true, mode: 0o700 })
    execFileSync('sh', ['-c', `chown 999:999 ${img}/var/lib/mysql && chmod 700 ${img}/var/lib/mysql && touch -d 2001-02-03T04:05:06Z ${img}/var/lib/mysql`])
    symlinkSync('/run', join(img, 'var/run'))
    const vol = mkdtempSync(join(tmp, 'vol-'))
    const spec = specFor('/unused', ['true'], {
      cwd: '/app',
      mounts: [
        { destination: '/var/lib/mysql/data', type: 'bind', source: vol, options: ['rbind'] },
        { destination: '/var/run/x', type: 'tmpfs', source: 'tmpfs', options: [] },
      ],
    })
    const init = join(tmp, 'init')
    await prepareInitLayer(init, [img], spec, join(tmp, 'bundle'))
    const list = (execFileSync('sh', ['-c', `cd ${init} && find . | sort`], { encoding: 'utf8' })).trim().split('\n')
    expect(list).toEqual([
      '.', './app', './dev', './etc', './etc/hostname', './etc/resolv.conf', './proc', './sys',
      './var', './var/lib', './var/lib/mysql', './var/lib/mysql/data',
    ])
    expect(lstatSync(join(init, 'etc/hostname')).isFile()).toBe(true)
    const m = lstatSync(join(init, 'var/lib/mysql'))
    const orig = lstatSync(join(img, 'var/lib/mysql'))
    expect([m.uid, m.gid, m.mode & 0o7777, m.mtimeMs]).toEqual([999, 999, 0o700, orig.mtimeMs])
    expect(existsSync(join(init, 'etc/hosts'))).toBe(false) // the image's own stays visible
    expect(readdirSync(join(init, 'var'))).toEqual(['lib']) // var/run is the image's symlink
  })
})
