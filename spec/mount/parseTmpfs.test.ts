import { describe, expect, test } from 'vitest'
import { parseTmpfs } from '../../lib/mount/index.js'
import { errorOf } from './_util.js'
import { exitStatus } from '../../cli/_exit.js'

const tmpfs = { kind: 'tmpfs', readonly: false, origin: 'tmpfs', options: [] }

describe('parseTmpfs() accepts', () => {
  test.each([
    ['/run', { ...tmpfs, target: '/run' }],
    ['/run/', { ...tmpfs, target: '/run' }],
    ['/run:', { ...tmpfs, target: '/run' }],
    ['/run:rw,noexec,nosuid,size=64m,mode=1777', { ...tmpfs, target: '/run', size: 64 * 1024 ** 2, mode: 0o1777, options: ['noexec', 'nosuid'] }],
    ['/t:ro', { ...tmpfs, target: '/t', readonly: true }],
    ['/t:ro,rw', { ...tmpfs, target: '/t' }], // the last of rw/ro wins
    ['/t:size=65536k', { ...tmpfs, target: '/t', size: 65536 * 1024 }],
    ['/t:size=1G', { ...tmpfs, target: '/t', size: 1024 ** 3 }],
    ['/t:size=100', { ...tmpfs, target: '/t', size: 100 }],
    ['/t:size=50%', { ...tmpfs, target: '/t', options: ['size=50%'] }], // a share of RAM stays for the kernel
    ['/t:mode=700', { ...tmpfs, target: '/t', mode: 0o700 }],
    ['/t:mode=0700', { ...tmpfs, target: '/t', mode: 0o700 }],
    ['/t:exec,uid=1000,gid=1000,nr_inodes=1k,nr_blocks=10,mpol=default', { ...tmpfs, target: '/t', options: ['exec', 'uid=1000', 'gid=1000', 'nr_inodes=1k', 'nr_blocks=10', 'mpol=default'] }],
    ['/t:noatime,,nodev', { ...tmpfs, target: '/t', options: ['noatime', 'nodev'] }], // an empty option is nothing
    ['/t:size=1m', { ...tmpfs, target: '/t', size: 1024 ** 2 }],
  ])('%j', (value, want) => {
    expect(parseTmpfs(value)).toEqual(want)
  })
})

describe('parseTmpfs() refuses', () => {
  test.each([
    ['/', "invalid specification: destination can't be '/'"],
    ['/x/..:size=1m', "invalid specification: destination can't be '/'"],
    ['rel', "invalid mount path: 'rel' mount path must be absolute"],
    ['', "invalid mount path: '' mount path must be absolute"],
    [':size=1m', "invalid mount path: '' mount path must be absolute"],
    ['/t:bogus', 'invalid tmpfs option "bogus"'],
    ['/t:defaults', 'invalid tmpfs option "defaults"'], // not in Docker's table with a flag
    ['/t:NOEXEC', 'invalid tmpfs option "NOEXEC"'],
    ['/t:foo=bar', 'invalid tmpfs option "foo"'],
    ['/t:size=lots', `invalid tmpfs option "size=lots": bad value for 'size'`],
    ['/t:size', `invalid tmpfs option "size": bad value for 'size'`],
    ['/t:size=1.5m', `invalid tmpfs option "size=1.5m": bad value for 'size'`],
    ['/t:mode=999', `invalid tmpfs option "mode=999": bad value for 'mode'`],
    ['/t:mode=17777', `invalid tmpfs option "mode=17777": bad value for 'mode'`],
  ])('%j: %s', (value, message) => {
    const e = errorOf(() => parseTmpfs(value))
    expect(e.code).toBe('MOUNT_INVALID')
    expect(exitStatus(e, 'run')).toBe(125)
    expect(e.message).toBe(message)
  })
})
