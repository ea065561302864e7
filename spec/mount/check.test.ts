import { describe, expect, test } from 'vitest'
import {
  checkDuplicates, parseMount, parseTmpfs, parseVolume, toContainerMount, validateMountSources, validateVolumeName, volumeNameProblem,
} from '../../lib/mount/index.js'
import { CWD, errorOf } from './_util.js'
import { exitStatus } from '../../cli/_exit.js'

describe('checkDuplicates()', () => {
  test('two mounts on one target fail with Docker\'s message, whatever flags they came from', () => {
    const specs = [parseVolume('v1:/data', CWD), parseTmpfs('/run'), parseMount('type=bind,src=/h,dst=/data/', CWD)]
    const e = errorOf(() => checkDuplicates(specs))
    expect(e.code).toBe('MOUNT_INVALID')
    expect(exitStatus(e, 'run')).toBe(125)
    expect(e.message).toBe('Duplicate mount point: /data')
  })

  test('targets are compared cleaned', () => {
    expect(() => checkDuplicates([parseTmpfs('/a/b'), parseTmpfs('/a/./c/../b')])).toThrow('Duplicate mount point: /a/b')
  })

  test('distinct targets pass, nested ones too', () => {
    expect(() => checkDuplicates([parseTmpfs('/a'), parseTmpfs('/a/b'), parseVolume('/b', CWD)])).not.toThrow()
  })
})

describe('validateMountSources()', () => {
  const exists = (p: string) => p === '/there'

  test('a --mount bind with a missing source fails', () => {
    const e = errorOf(() => validateMountSources([parseMount('type=bind,src=/missing,dst=/t', CWD)], exists))
    expect(e.code).toBe('MOUNT_INVALID')
    expect(e.message).toBe('invalid mount config for type "bind": bind source path does not exist: /missing')
  })

  test('an existing source, bind-create-src, -v, volumes and tmpfs all pass', () => {
    expect(() =>
      validateMountSources([
        parseMount('type=bind,src=/there,dst=/a', CWD),
        parseMount('type=bind,src=/missing,dst=/b,bind-create-src', CWD),
        parseVolume('/missing:/c', CWD),
        parseVolume('vol1:/d', CWD),
        parseTmpfs('/e'),
      ], exists),
    ).not.toThrow()
  })
})

describe('volume names', () => {
  test.each(['ab', 'a1', 'A.b_c-d', '0123456789abcdef'.repeat(4), 'x..y'])('%j is valid', (n) => {
    expect(volumeNameProblem(n)).toBeUndefined()
    expect(validateVolumeName(n)).toBe(n)
  })

  test.each([
    ['a', 'volume name is too short, names should be at least two alphanumeric characters'],
    ['.', 'volume name is too short, names should be at least two alphanumeric characters'],
    ['/', 'volume name is too short, names should be at least two alphanumeric characters'],
    ['..', '".." includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['../etc', '"../etc" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['a/b', '"a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['ab\u0000', '"ab\\x00" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['a"b\n', '"a\\"b\\n" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['é', '"é" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['', '"" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
  ])('%j: %s', (n, message) => {
    const e = errorOf(() => validateVolumeName(n))
    expect(e.code).toBe('VOLUME_NAME_INVALID')
    expect(exitStatus(e, 'volume')).toBe(1)
    expect(e.message).toBe(message)
  })
})

describe('toContainerMount()', () => {
  test('bind', () => {
    expect(toContainerMount(parseMount('type=bind,src=/h,dst=/d,ro,bind-propagation=rslave', CWD))).toEqual({
      type: 'bind', source: '/h', destination: '/d', readonly: true, propagation: 'rslave',
    })
  })

  test('a named volume', () => {
    expect(toContainerMount(parseMount('src=data,dst=/d,volume-subpath=x,volume-nocopy', CWD))).toEqual({
      type: 'volume', source: 'data', name: 'data', destination: '/d', readonly: false, propagation: '', subpath: 'x', nocopy: true,
    })
  })

  test('an anonymous volume takes the name the caller picked', () => {
    expect(toContainerMount(parseVolume('/d', CWD), 'f'.repeat(64))).toEqual({
      type: 'volume', source: 'f'.repeat(64), name: 'f'.repeat(64), destination: '/d', readonly: false, propagation: '', anonymous: true,
    })
  })

  test('tmpfs', () => {
    expect(toContainerMount(parseTmpfs('/t:size=1m,mode=1777,noexec'))).toEqual({
      type: 'tmpfs', source: '', destination: '/t', readonly: false, propagation: '', size: 1048576, mode: 0o1777, options: ['noexec'],
    })
  })
})
