import { describe, expect, test } from 'vitest'
import { parseVolume } from '../../lib/mount/index.js'
import { CWD, errorOf } from './_util.js'
import { exitStatus } from '../../cli/_exit.js'

const bind = { kind: 'bind', readonly: false, origin: 'volume', bindRecursive: 'enabled', bindCreateSrc: true }
const vol = { kind: 'volume', readonly: false, origin: 'volume', nocopy: false, labels: {}, driverOpts: {} }

describe('parseVolume() accepts', () => {
  test.each([
    ['/data', { ...vol, target: '/data' }], // anonymous volume
    ['/data/../x/', { ...vol, target: '/x' }],
    ['mydata:/var/lib/mysql', { ...vol, source: 'mydata', target: '/var/lib/mysql' }], // a name: a volume
    ['my.data_1-x:/d:ro', { ...vol, source: 'my.data_1-x', target: '/d', readonly: true }],
    ['/host/dir:/d', { ...bind, source: '/host/dir', target: '/d' }], // absolute: a bind mount, created if missing
    ['/host//dir/:/d/', { ...bind, source: '/host/dir', target: '/d' }],
    ['.:/src', { ...bind, source: CWD, target: '/src' }], // `.` sources are made absolute
    ['./sub:/src', { ...bind, source: `${CWD}/sub`, target: '/src' }],
    ['../up:/src', { ...bind, source: '/home/user/up', target: '/src' }],
    ['/h:/d:ro', { ...bind, source: '/h', target: '/d', readonly: true }],
    ['/h:/d:rw', { ...bind, source: '/h', target: '/d' }],
    ['/h:/d:z', { ...bind, source: '/h', target: '/d' }], // SELinux labels: accepted, no effect
    ['/h:/d:Z,ro', { ...bind, source: '/h', target: '/d', readonly: true }],
    ['/h:/d:rshared', { ...bind, source: '/h', target: '/d', propagation: 'rshared' }],
    ['/h:/d:ro,slave,z', { ...bind, source: '/h', target: '/d', readonly: true, propagation: 'slave' }],
    ['/h:/d:cached', { ...bind, source: '/h', target: '/d' }], // consistency: accepted, ignored
    ['vol1:/d:nocopy', { ...vol, source: 'vol1', target: '/d', nocopy: true }],
    ['vol1:/d:nocopy,ro,z,delegated', { ...vol, source: 'vol1', target: '/d', nocopy: true, readonly: true }],
  ])('%j', (spec, want) => {
    expect(parseVolume(spec, CWD)).toEqual(want)
  })

  test.each(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'])('propagation mode %s', (p) => {
    expect(parseVolume(`/h:/d:${p}`, CWD)).toMatchObject({ propagation: p })
  })
})

describe('parseVolume() refuses', () => {
  test.each([
    ['', "invalid volume specification: ''"],
    [':/d', "invalid volume specification: ':/d'"],
    ['v1:', "invalid volume specification: 'v1:'"],
    ['v1::ro', "invalid volume specification: 'v1::ro'"],
    ['v1:/d:', "invalid volume specification: 'v1:/d:'"],
    ['./x::ro', "invalid volume specification: './x::ro'"], // refused before the rewrite: quoted as typed
    ['/a:/b:ro:x', "invalid volume specification: '/a:/b:ro:x'"],
    ['a:b:c:d:e', "invalid volume specification: 'a:b:c:d:e'"],
    // A target with a mode and no source is not a volume.
    ['/foo:ro', "invalid volume specification: '/foo:ro'"],
    ['/foo:rw', "invalid volume specification: '/foo:rw'"],
    ['/foo:nocopy', "invalid volume specification: '/foo:nocopy'"],
    ['/foo:z,shared', "invalid volume specification: '/foo:z,shared'"],
    ['./x:ro', `invalid volume specification: '${CWD}/x:ro'`],
    // Modes: known words, each kind once.
    ['/h:/d:bogus', 'invalid mode: bogus'],
    ['/h:/d:ro,rw', 'invalid mode: ro,rw'],
    ['/h:/d:ro,ro', 'invalid mode: ro,ro'],
    ['/h:/d:z,Z', 'invalid mode: z,Z'],
    ['/h:/d:shared,slave', 'invalid mode: shared,slave'],
    ['/h:/d:nocopy,nocopy', 'invalid mode: nocopy,nocopy'],
    ['/h:/d:cached,delegated', 'invalid mode: cached,delegated'],
    ['/h:/d:RO', 'invalid mode: RO'],
    ['/h:/d:ro,', 'invalid mode: ro,'],
    // The mount itself.
    ['/h:rel', `invalid volume specification: '/h:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    ['./h:rel', `invalid volume specification: '${CWD}/h:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    ['v1:rel', `invalid volume specification: 'v1:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`],
    ['rel', `invalid volume specification: 'rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`],
    ['/', `invalid volume specification: '/': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['/h:/', `invalid volume specification: '/h:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    ['v1:/x/..:ro', `invalid volume specification: 'v1:/x/..:ro': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['v1:/d:shared', `invalid volume specification: 'v1:/d:shared': invalid mount config for type "volume": field BindOptions must not be specified`],
    ['/h:/d:nocopy', `invalid volume specification: '/h:/d:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`],
    // Volume names, checked where the volume would be created.
    ['a:/d', 'create a: volume name is too short, names should be at least two alphanumeric characters'],
    ['~/x:/d', 'create ~/x: "~/x" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['my vol:/d', 'create my vol: "my vol" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['-v1:/d', 'create -v1: "-v1" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['v\u0000x:/d', 'create v\u0000x: "v\\x00x" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
  ])('%j: %s', (spec, message) => {
    const e = errorOf(() => parseVolume(spec, CWD))
    expect(e.code).toBe('MOUNT_INVALID')
    expect(exitStatus(e, 'run')).toBe(125)
    expect(e.message).toBe(message)
  })
})
