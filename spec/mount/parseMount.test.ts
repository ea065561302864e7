import { describe, expect, test } from 'vitest'
import { parseMount } from '../../lib/mount/index.js'
import { CWD, errorOf } from './_util.js'
import { exitStatus } from '../../cli/_exit.js'

const bind = { kind: 'bind', readonly: false, origin: 'mount', bindRecursive: 'enabled', bindCreateSrc: false }
const vol = { kind: 'volume', readonly: false, origin: 'mount', nocopy: false, labels: {}, driverOpts: {} }
const tmpfs = { kind: 'tmpfs', readonly: false, origin: 'mount', options: [] }

describe('parseMount() accepts', () => {
  test.each([
    ['type=bind,source=/src,target=/dst', { ...bind, source: '/src', target: '/dst' }],
    ['type=bind,src=/src,dst=/dst', { ...bind, source: '/src', target: '/dst' }],
    ['type=bind,source=/src,destination=/dst', { ...bind, source: '/src', target: '/dst' }],
    ['target=/dst,source=data', { ...vol, source: 'data', target: '/dst' }], // the default type is volume
    ['target=/dst', { ...vol, target: '/dst' }], // anonymous volume
    ['type=tmpfs,target=/t', { ...tmpfs, target: '/t' }],
    ['TYPE=BIND,SRC=/a,DST=/b', { ...bind, source: '/a', target: '/b' }], // keys and type are case-insensitive
    ['  type=bind,src=/a,dst=/b \n', { ...bind, source: '/a', target: '/b' }], // the value is trimmed
    ['type=bind,src=/a//x/../y/,dst=/b/./c/', { ...bind, source: '/a/y', target: '/b/c' }], // paths are cleaned
    ['type=bind,src=/a,dst=/b,consistency=cached', { ...bind, source: '/a', target: '/b' }], // accepted, ignored
    ['type=volume,src=v1,dst=/b,volume-opt=a=b=c', { ...vol, source: 'v1', target: '/b', driverOpts: { a: 'b=c' } }], // split on the first =
    ['type=bind,src=/a,dst=/b,type=volume,type=bind', { ...bind, source: '/a', target: '/b' }], // the last one wins
    ['type=bind,src=/a,dst=/b\ntype=tmpfs', { ...bind, source: '/a', target: '/b' }], // one record: a newline ends it
  ])('%j', (value, want) => {
    expect(parseMount(value, CWD)).toEqual(want)
  })
})

describe('parseMount() sources', () => {
  test.each([
    ['.', CWD],
    ['./', CWD],
    ['./data', `${CWD}/data`],
    ['..', '/home/user'],
    ['../', '/home/user'],
    ['.hidden', `${CWD}/.hidden`],
    ['/abs/./p', '/abs/p'],
  ])('a bind source %j becomes %j', (src, want) => {
    expect(parseMount(`type=bind,source=${src},target=/t`, CWD)).toMatchObject({ source: want })
  })

  test('~ is not expanded (and is not absolute)', () => {
    expect(errorOf(() => parseMount('type=bind,src=~/x,dst=/t', CWD)).message).toBe(
      `invalid mount config for type "bind": invalid mount path: '~/x' mount path must be absolute`,
    )
  })

  test('a relative volume source starting with . becomes a path, which is no volume name', () => {
    expect(errorOf(() => parseMount('src=./v,dst=/t', CWD)).message).toBe(
      `create ${CWD}/v: "${CWD}/v" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    )
  })
})

describe('parseMount() booleans', () => {
  const base = 'type=bind,target=/foo,source=/foo'
  test.each([
    ['', false],
    ['readonly', true],
    ['readonly=1', true],
    ['readonly=true', true],
    ['readonly=0', false],
    ['readonly=false', false],
    ['ro', true],
    ['ro=1', true],
    ['ro=true', true],
    ['ro=0', false],
    ['ro=false', false],
    ['RO', true],
    ['ReadOnly=true', true],
    ['ro,ro=false', false],
  ])('%j -> readonly %s', (field, want) => {
    expect(parseMount(field ? `${base},${field}` : base, CWD)).toMatchObject({ readonly: want })
  })

  test.each([
    ['readonly=no', `invalid value for 'readonly': invalid boolean value ("no"): must be one of "true", "1", "false", or "0" (default "true")`],
    ['ro=TRUE', `invalid value for 'ro': invalid boolean value ("TRUE"): must be one of "true", "1", "false", or "0" (default "true")`],
    ['RO=yes', `invalid value for 'ro': invalid boolean value ("yes"): must be one of "true", "1", "false", or "0" (default "true")`],
    ['bind-create-src=t', `invalid value for 'bind-create-src': invalid boolean value ("t"): must be one of "true", "1", "false", or "0" (default "true")`],
    ['readonly=', `invalid value for 'readonly': value is empty`],
    ['readonly= true', `invalid value for 'readonly' in 'readonly= true': value should not have whitespace`],
  ])('%j fails: %s', (field, message) => {
    expect(errorOf(() => parseMount(`${base},${field}`, CWD)).message).toBe(message)
  })

  test.each([
    ['volume-nocopy', true],
    ['volume-nocopy=1', true],
    ['volume-nocopy=true', true],
    ['volume-nocopy=0', false],
    ['volume-nocopy=false', false],
  ])('%j -> nocopy %s', (field, want) => {
    expect(parseMount(`type=volume,target=/foo,source=foo,${field}`, CWD)).toMatchObject({ nocopy: want })
  })

  test.each([
    ['bind-create-src', true],
    ['bind-create-src=1', true],
    ['bind-create-src=false', false],
  ])('%j -> bindCreateSrc %s', (field, want) => {
    expect(parseMount(`${base},${field}`, CWD)).toMatchObject({ bindCreateSrc: want })
  })
})

describe('parseMount() tmpfs sizes and modes', () => {
  test.each([
    ['1m', 1048576],
    ['1MB', 1048576],
    ['1MiB', 1048576],
    ['1 m', 1048576],
    ['1048576', 1048576],
    ['64k', 65536],
    ['1.5k', 1536],
    ['2G', 2 * 1024 ** 3],
    ['1t', 1024 ** 4],
    ['1p', 1024 ** 5],
    ['10b', 10],
  ])('tmpfs-size=%s is %d bytes', (v, bytes) => {
    expect(parseMount(`type=tmpfs,target=/t,tmpfs-size=${v}`, CWD)).toEqual({ ...tmpfs, target: '/t', size: bytes })
  })

  test.each([
    ['700', 0o700],
    ['0700', 0o700],
    ['1777', 0o1777],
    ['00000644', 0o644],
  ])('tmpfs-mode=%s is octal', (v, mode) => {
    expect(parseMount(`type=tmpfs,target=/t,tmpfs-mode=${v}`, CWD)).toEqual({ ...tmpfs, target: '/t', mode })
  })

  test('the size and mode of Docker\'s own test: 1m/0700 and 1MB/700 agree', () => {
    const a = parseMount('type=tmpfs,target=/target,tmpfs-size=1m,tmpfs-mode=0700', CWD)
    const b = parseMount('type=tmpfs,target=/target,tmpfs-size=1MB,tmpfs-mode=700', CWD)
    expect(a).toEqual(b)
    expect(a).toEqual({ ...tmpfs, target: '/target', size: 1024 * 1024, mode: 0o700 })
  })

  test('zero size and mode mean "not set", as in moby', () => {
    expect(parseMount('type=tmpfs,target=/t,tmpfs-size=0,tmpfs-mode=0', CWD)).toEqual({ ...tmpfs, target: '/t' })
  })

  test.each(['foo', '1x', '-1', '1.2.3', 'm', '1e3', '0x10', '99999999999999999999999'])('tmpfs-size=%s is refused', (v) => {
    expect(errorOf(() => parseMount(`type=tmpfs,target=/t,tmpfs-size=${v}`, CWD)).message).toBe(`invalid value for tmpfs-size: ${v}`)
  })

  test.each(['foo', '8', '0o700', '-1', '7a', '77777777777'])('tmpfs-mode=%s is refused', (v) => {
    expect(errorOf(() => parseMount(`type=tmpfs,target=/t,tmpfs-mode=${v}`, CWD)).message).toBe(`invalid value for tmpfs-mode: ${v}`)
  })

  test('the key in those messages is lowercased', () => {
    expect(errorOf(() => parseMount('type=tmpfs,target=/t,TMPFS-SIZE=x', CWD)).message).toBe('invalid value for tmpfs-size: x')
  })
})

describe('parseMount() option families', () => {
  test('bind options', () => {
    expect(parseMount('type=bind,src=/a,dst=/b,bind-propagation=RSHARED,bind-recursive=disabled,bind-create-src', CWD)).toEqual({
      ...bind, source: '/a', target: '/b', propagation: 'rshared', bindRecursive: 'disabled', bindCreateSrc: true,
    })
  })

  test.each(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'])('bind-propagation=%s', (p) => {
    expect(parseMount(`type=bind,src=/a,dst=/b,bind-propagation=${p}`, CWD)).toMatchObject({ propagation: p })
  })

  test.each([
    ['bind-recursive=enabled', { bindRecursive: 'enabled' }],
    ['bind-recursive=disabled', { bindRecursive: 'disabled' }],
    ['bind-recursive=writable,readonly', { bindRecursive: 'writable', readonly: true }],
    ['bind-recursive=readonly,readonly,bind-propagation=rprivate', { bindRecursive: 'readonly', readonly: true, propagation: 'rprivate' }],
  ])('%s', (opts, want) => {
    expect(parseMount(`type=bind,src=/a,dst=/b,${opts}`, CWD)).toMatchObject(want)
  })

  test('volume options', () => {
    const v = 'type=volume,src=data,dst=/b,volume-nocopy,volume-subpath=sub/dir,volume-label=a=1,volume-label=b=,volume-label=c,volume-label==x,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs'
    expect(parseMount(v, CWD)).toEqual({
      ...vol, source: 'data', target: '/b', nocopy: true, subpath: 'sub/dir', labels: { a: '1', b: '', c: '' }, driver: 'local',
      driverOpts: { type: 'tmpfs', device: 'tmpfs' },
    })
  })

  test('bind-recursive=enabled alone adds no bind options, so it mixes with any type', () => {
    expect(parseMount('type=volume,dst=/b,bind-recursive=enabled', CWD)).toEqual({ ...vol, target: '/b' })
  })

  test.each([
    ['type=volume,target=/foo,source=/foo,bind-propagation=rprivate', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['type=tmpfs,target=/foo,bind-create-src=false', "cannot mix 'bind-*' options with mount type 'tmpfs'"],
    ['type=bind,target=/foo,source=/foo,volume-nocopy=true', "cannot mix 'volume-*' options with mount type 'bind'"],
    ['type=tmpfs,target=/foo,volume-label=a=b', "cannot mix 'volume-*' options with mount type 'tmpfs'"],
    ['type=bind,target=/foo,source=/foo,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'bind'"],
    ['target=/foo,tmpfs-mode=700', "cannot mix 'tmpfs-*' options with mount type 'volume'"],
    ['type=image,target=/foo,volume-subpath=x', "cannot mix 'volume-*' options with mount type 'image'"],
  ])('%j: %s', (value, message) => {
    expect(errorOf(() => parseMount(value, CWD)).message).toBe(message)
  })
})

describe('parseMount() refuses', () => {
  test.each([
    ['', 'value is empty'],
    [' \t\n', 'value is empty'],
    ['type=volume,target=/foo,bogus=foo', "unknown option 'bogus' in 'bogus=foo'"],
    ['type=volume,target=/foo,BoGus=foo', "unknown option 'bogus' in 'BoGus=foo'"],
    ['type=image,source=img,target=/t,image-subpath=/x', "unknown option 'image-subpath' in 'image-subpath=/x'"],
    ['type=volume, src=/foo,target=/foo', "invalid option 'src' in ' src=/foo': option should not have whitespace"],
    ['type=volume,src =/foo,target=/foo', "invalid option 'src' in 'src =/foo': option should not have whitespace"],
    ['type=volume,ro ,target=/foo', "invalid option 'ro' in 'ro ': option should not have whitespace"],
    ['type=volume,src=,target=/foo', "invalid value for 'src': value is empty"],
    ['type=volume,SRC=,target=/foo', "invalid value for 'SRC': value is empty"],
    ['type=volume,src= /foo,target=/foo', "invalid value for 'src' in 'src= /foo': value should not have whitespace"],
    ['type=volume,src=/foo ,target=/foo', "invalid value for 'src' in 'src=/foo ': value should not have whitespace"],
    ['type=volume,target=/foo,bogus', "invalid field 'bogus' must be a key=value pair"],
    ['type=volume,target=/foo,source', "invalid field 'source' must be a key=value pair"],
    ['type=bind,,target=/foo', "invalid field '' must be a key=value pair"],
    ['type=bind,src=/a,dst=/b,bind-nonrecursive', 'bind-nonrecursive is deprecated, use bind-recursive=disabled instead'],
    ['type=bind,src=/a,dst=/b,bind-nonrecursive=true', 'bind-nonrecursive is deprecated, use bind-recursive=disabled instead'],
    ['type=bind,src=/a,dst=/b,bind-recursive=Disabled', 'invalid value for bind-recursive: Disabled (must be "enabled", "disabled", "writable", or "readonly")'],
    ['type=bind,src=/a,dst=/b,bind-recursive=writable', "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"],
    ['type=bind,src=/a,dst=/b,bind-recursive=readonly', "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction"],
    ['type=bind,src=/a,dst=/b,bind-recursive=readonly,ro', "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"],
    // The mount itself (moby's checks).
    ['type=bind,source=/a', 'invalid mount config for type "bind": field Target must not be empty'],
    ['source=v', 'invalid mount config for type "volume": field Target must not be empty'],
    ['type=bind,source=/a,target=rel', `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    ['type=tmpfs,target=./x', `invalid mount config for type "tmpfs": invalid mount path: './x' mount path must be absolute`],
    ['type=bind,source=/a,target=/', `invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    ['type=volume,target=/x/..', `invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['type=tmpfs,target=//', `invalid mount config for type "tmpfs": invalid specification: destination can't be '/'`],
    ['type=bind,target=/t', 'invalid mount config for type "bind": field Source must not be empty'],
    ['type=bind,source=rel,target=/t', `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    ['type=bind,source=/a,target=/t,bind-propagation=bogus', 'invalid mount config for type "bind": invalid propagation mode: bogus'],
    ['type=tmpfs,source=/a,target=/t', 'invalid mount config for type "tmpfs": field Source must not be specified'],
    ['type=volume,target=/t,readonly', 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'],
    ['type=volume,target=/t,volume-subpath=x', 'invalid mount config for type "volume": must not set Subpath when using anonymous volumes'],
    ['type=volume,source=v1,target=/t,volume-subpath=/abs', 'invalid mount config for type "volume": subpath must be a relative path within the volume'],
    ['type=volume,source=v1,target=/t,volume-subpath=a/../..', 'invalid mount config for type "volume": subpath must be a relative path within the volume'],
    ['type=volume,source=v1,target=/t,volume-subpath=..', 'invalid mount config for type "volume": subpath must be a relative path within the volume'],
    ['type=npipe,source=/a,target=/t', 'invalid mount config for type "npipe": mount type unknown'],
    ['type=Image,source=img,target=/t', 'invalid mount config for type "image": mount type unknown'],
    // Volume names (moby's volume service wraps them as `create <name>: …`).
    ['source=a,target=/t', 'create a: volume name is too short, names should be at least two alphanumeric characters'],
    ['source=../x,target=/t', `create ${CWD.replace(/\/[^/]+$/, '')}/x: "${CWD.replace(/\/[^/]+$/, '')}/x" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`],
    ['source=my/vol,target=/t', 'create my/vol: "my/vol" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['source=_v,target=/t', 'create _v: "_v" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
  ])('%j: %s', (value, message) => {
    const e = errorOf(() => parseMount(value, CWD))
    expect(e.code).toBe('MOUNT_INVALID')
    expect(exitStatus(e, 'run')).toBe(125)
    expect(e.message).toBe(message)
  })
})

describe('parseMount() reads the value as one CSV record', () => {
  test.each([
    ['"type=bind","src=/a,b","dst=/t"', { source: '/a,b', target: '/t' }],
    ['type=bind,"src=/a ""q""",dst=/t', { source: '/a "q"', target: '/t' }],
    ['type=bind,src=/a,"dst=/multi\nline"', { source: '/a', target: '/multi\nline' }],
    ['type=bind,src=/a,"dst=/x\r\ny"', { target: '/x\ny' }], // \r\n becomes \n, as in Go
  ])('%j', (value, want) => {
    expect(parseMount(value, CWD)).toMatchObject({ kind: 'bind', ...want })
  })

  test('quotes protect commas inside a volume option', () => {
    expect(parseMount('type=volume,source=nfs,target=/data,"volume-opt=o=addr=1.2.3.4,rw",volume-opt=type=nfs,volume-opt=device=:/x', CWD)).toMatchObject({
      driverOpts: { o: 'addr=1.2.3.4,rw', type: 'nfs', device: ':/x' },
    })
  })

  test.each([
    ['type=bind,src=/a"b,dst=/t', 'parse error on line 1, column 17: bare " in non-quoted field'],
    ['type=bind,src="/a",dst=/t', 'parse error on line 1, column 15: bare " in non-quoted field'],
    ['type=bind,"src=/a"b,dst=/t', 'parse error on line 1, column 18: extraneous or missing " in quoted-field'],
    ['type=bind,"src=/a', 'parse error on line 1, column 18: extraneous or missing " in quoted-field'],
    ['type=bind,"src=/a\nb', 'record on line 1; parse error on line 2, column 2: extraneous or missing " in quoted-field'],
    ['type=bind,src=/é"', 'parse error on line 1, column 18: bare " in non-quoted field'], // columns count UTF-8 bytes
  ])('%j: %s', (value, message) => {
    const e = errorOf(() => parseMount(value, CWD))
    expect(e.code).toBe('MOUNT_INVALID')
    expect(e.message).toBe(message)
  })
})
