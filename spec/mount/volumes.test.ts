import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { layout, type Layout } from '../../lib/layout.js'
import { createVolumeStore, type VolumeStore } from '../../lib/mount/index.js'
import { isStoreError } from '../../lib/errors.js'
import { exitStatus } from '../../cli/_exit.js'

let dir: string
let l: Layout
let volumes: VolumeStore
const NOW = new Date('2024-03-01T12:34:56.789Z')

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-volumes-'))
  l = layout(join(dir, 'root'))
  volumes = createVolumeStore(l, () => NOW)
})
afterEach(() => rm(dir, { recursive: true, force: true }))

async function rejection(p: Promise<unknown>) {
  const e = await p.then(() => undefined, (x) => x)
  if (!isStoreError(e)) throw new Error(`expected a StoreError, got ${String(e)}`)
  return e
}

describe('volume store', () => {
  test('create() makes _data and opts.json, and inspect() shows Docker\'s fields', async () => {
    const v = await volumes.create('data_volume', { labels: { app: 'db' }, opts: { type: 'tmpfs', device: 'tmpfs', o: 'size=10m' } })
    const want = {
      CreatedAt: '2024-03-01T12:34:56Z',
      Driver: 'local',
      Labels: { app: 'db' },
      Mountpoint: `${l.root}/volumes/data_volume/_data`,
      Name: 'data_volume',
      Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=10m' },
      Scope: 'local',
    }
    expect(v).toEqual(want)
    expect(Object.keys(v)).toEqual(['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope'])
    expect(await volumes.inspect('data_volume')).toEqual(want)
    expect((await stat(v.Mountpoint)).isDirectory()).toBe(true)
    expect(JSON.parse(await readFile(`${l.root}/volumes/data_volume/opts.json`, 'utf8'))).toMatchObject({ Name: 'data_volume', Labels: { app: 'db' } })
    expect(await readdir(l.volumesDir)).toEqual(['data_volume']) // no temp dirs left behind
  })

  test('create() without a name picks 64 hex characters', async () => {
    const v = await volumes.create()
    expect(v.Name).toMatch(/^[0-9a-f]{64}$/)
    expect((await volumes.create()).Name).not.toBe(v.Name)
  })

  test('an anonymous volume carries Docker\'s label', async () => {
    expect((await volumes.create(undefined, { anonymous: true })).Labels).toEqual({ 'com.docker.volume.anonymous': '' })
  })

  test('creating an existing volume is a no-op that returns it unchanged', async () => {
    const first = await volumes.create('vol1', { labels: { a: '1' } })
    await writeFile(`${first.Mountpoint}/keep`, 'x')
    const later = createVolumeStore(l, () => new Date('2030-01-01T00:00:00Z'))
    expect(await later.create('vol1', { labels: { b: '2' } })).toEqual(first)
    expect(await readFile(`${first.Mountpoint}/keep`, 'utf8')).toBe('x')
  })

  test('concurrent creates of one name all succeed with the same volume', async () => {
    const stores = Array.from({ length: 6 }, (_, i) => createVolumeStore(l, () => new Date(NOW.getTime() + i * 1000)))
    const made = await Promise.all(stores.map((s) => s.create('shared')))
    expect(new Set(made.map((v) => v.CreatedAt)).size).toBe(1)
    expect(await readdir(l.volumesDir)).toEqual(['shared'])
  })

  test('list() gives every volume sorted by name, skipping what is not a volume', async () => {
    for (const n of ['zz', 'aa', 'mm']) await volumes.create(n)
    await mkdir(`${l.volumesDir}/.tmp-stray/_data`, { recursive: true })
    await mkdir(`${l.volumesDir}/no-opts/_data`, { recursive: true })
    expect((await volumes.list()).map((v) => v.Name)).toEqual(['aa', 'mm', 'zz'])
  })

  test('list() of a fresh root is empty', async () => {
    expect(await volumes.list()).toEqual([])
  })

  test('remove() deletes the volume and its data', async () => {
    const v = await volumes.create('gone')
    await writeFile(`${v.Mountpoint}/f`, 'data')
    await volumes.remove('gone', [])
    expect(await volumes.get('gone')).toBeUndefined()
    expect(await readdir(l.volumesDir)).toEqual([])
  })

  test('remove() of a volume in use fails with Docker\'s message and keeps it', async () => {
    await volumes.create('busy')
    const e = await rejection(volumes.remove('busy', ['c0ffee', 'deadbeef']))
    expect(e.code).toBe('VOLUME_IN_USE')
    expect(exitStatus(e, 'volume')).toBe(1)
    expect(e.message).toBe('remove busy: volume is in use - [c0ffee, deadbeef]')
    expect(await volumes.get('busy')).toBeDefined()
  })

  test('remove() and inspect() of a missing volume fail with VOLUME_NOT_FOUND', async () => {
    const r = await rejection(volumes.remove('nope', []))
    expect([r.code, exitStatus(r, 'volume'), r.message]).toEqual(['VOLUME_NOT_FOUND', 1, 'get nope: no such volume'])
    const i = await rejection(volumes.inspect('nope'))
    expect([i.code, i.message]).toEqual(['VOLUME_NOT_FOUND', 'No such volume: nope'])
  })

  test('size() counts bytes in _data, a hard-linked file once; isEmpty() says whether it has anything', async () => {
    const v = await volumes.create('sized')
    expect(await volumes.isEmpty('sized')).toBe(true)
    expect(await volumes.size('sized')).toBe(0)
    await mkdir(`${v.Mountpoint}/sub`)
    await writeFile(`${v.Mountpoint}/sub/a`, Buffer.alloc(1000))
    await writeFile(`${v.Mountpoint}/b`, Buffer.alloc(234))
    await link(`${v.Mountpoint}/b`, `${v.Mountpoint}/b2`)
    await symlink('sub/a', `${v.Mountpoint}/ln`) // a symlink counts its own length (5), not its target
    expect(await volumes.isEmpty('sized')).toBe(false)
    expect(await volumes.size('sized')).toBe(1000 + 234 + 5)
  })

  test('prune() removes unused anonymous volumes, or all unused ones with all', async () => {
    const anon = await volumes.create(undefined, { anonymous: true })
    await writeFile(`${anon.Mountpoint}/f`, Buffer.alloc(100))
    const used = await volumes.create(undefined, { anonymous: true })
    await volumes.create('named')
    const inUse = (n: string) => n === used.Name
    expect(await volumes.prune(inUse)).toEqual({ names: [anon.Name], reclaimed: 100 })
    expect((await volumes.list()).map((v) => v.Name).sort()).toEqual([used.Name, 'named'].sort())
    expect(await volumes.prune(inUse, { all: true })).toEqual({ names: ['named'], reclaimed: 0 })
  })

  test.each([
    ['..', 'VOLUME_NAME_INVALID', 'create ..: ".." includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['../../etc', 'VOLUME_NAME_INVALID', 'create ../../etc: "../../etc" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['a/b', 'VOLUME_NAME_INVALID', 'create a/b: "a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['x\u0000y', 'VOLUME_NAME_INVALID', 'create x\u0000y: "x\\x00y" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['/abs', 'VOLUME_NAME_INVALID', 'create /abs: "/abs" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['a', 'VOLUME_NAME_INVALID', 'create a: volume name is too short, names should be at least two alphanumeric characters'],
  ])('create(%j) fails and touches no file', async (name, code, message) => {
    const e = await rejection(volumes.create(name))
    expect([e.code, exitStatus(e, 'volume'), e.message]).toEqual([code, 1, message])
    expect(await readdir(dir)).toEqual([]) // not even the volumes/ folder
  })

  test('bad names are never looked up on disk', async () => {
    // A volume-shaped folder outside volumes/ must stay unreachable through ".." names.
    await mkdir(`${l.root}/outside/_data`, { recursive: true })
    await writeFile(`${l.root}/outside/opts.json`, JSON.stringify({ Name: '../outside', Driver: 'local', Labels: {}, Options: {}, CreatedAt: '' }))
    await mkdir(l.volumesDir, { recursive: true })
    expect(await volumes.get('../outside')).toBeUndefined()
    expect((await rejection(volumes.remove('../outside', []))).code).toBe('VOLUME_NOT_FOUND')
    expect((await stat(`${l.root}/outside/_data`)).isDirectory()).toBe(true)
  })

  test.each([
    [{ driver: 'nfs' }, 'create vol1: error looking up volume plugin nfs: plugin "nfs" not found'],
    [{ opts: { bogus: '1' } }, 'create vol1: invalid option key: "bogus"'],
    [{ opts: { type: 'nfs' } }, 'create vol1: missing required option: "device"'],
    [{ opts: { device: '/dev/x' } }, 'create vol1: missing required option: "type"'],
  ])('create() with %j fails as Docker\'s local driver does', async (opts, message) => {
    const e = await rejection(volumes.create('vol1', opts))
    expect(e.message).toBe(message)
    expect(exitStatus(e, 'volume')).toBe(1)
    expect(await volumes.get('vol1')).toBeUndefined()
  })

  test('the local driver by name is fine', async () => {
    expect((await volumes.create('vol1', { driver: 'local' })).Driver).toBe('local')
  })

  test('_data is 0755', async () => {
    const old = process.umask(0o022)
    try {
      const v = await volumes.create('modes')
      expect((await stat(v.Mountpoint)).mode & 0o777).toBe(0o755)
    } finally {
      process.umask(old)
    }
  })
})
