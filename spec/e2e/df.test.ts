// End-to-end: `store system df` counts every byte on disk. On a store with images (one built
// FROM the other), a build cache of its own (a failed build's step, a RUN cache mount), a
// container that wrote files, a volume with data, leftovers of interrupted work and a stray
// file, the On Disk figures of `--format json` add up to `du --block-size=1 -s` of the root,
// exactly: df counts allocated blocks (st_blocks) of every inode once, dirs included, as du does.
// Snapshot trees are counted from what their maps recorded when made (they are read-only), the
// pool from its scan. The one place they part is a reflink store: du counts a clone's blocks
// again, though they are the pool file's, and df counts them once (then df <= du, by at most
// the pool's bytes).

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, sh, store, tempDir, type CliResult } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { writeProject } from '../_fixtures/build.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { deadPid } from '../lock/_holders.js'

const skip = busyboxUnavailable() !== undefined

let shared: { dir: string; cleanup: () => void }
let busybox: string

beforeAll(() => {
  if (skip) return
  requireBuilt()
  shared = tempDir('store-e2e-df-')
  busybox = makeBusyboxRoot(join(shared.dir, 'busybox'))
  const app = writeProject(join(shared.dir, 'app'), {
    Dockerfile: 'FROM busybox\nCOPY data.bin /data.bin\nRUN --mount=type=cache,target=/cache head -c 70000 /dev/urandom > /cache/c && head -c 200000 /dev/urandom > /big\n',
  })
  writeFileSync(join(app, 'data.bin'), seededBytes(300_000, 13))
  writeProject(join(shared.dir, 'failing'), { Dockerfile: 'FROM busybox\nRUN head -c 50000 /dev/urandom > /cached\nRUN false\n' })
})
afterAll(() => shared?.cleanup())

const ok = (r: CliResult): string => {
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

/** A store with every kind of content df knows, and some it does not. */
function fill(root: string, env: Record<string, string>) {
  const cli = (args: string[]) => store(root, args, { env })
  ok(cli(['import', busybox, 'busybox']))
  ok(cli(['build', '-q', '-t', 'app', join(shared.dir, 'app')]))
  expect(cli(['build', join(shared.dir, 'failing')]).status).not.toBe(0) // its first RUN stays cached, in no image
  ok(cli(['volume', 'create', 'vol']))
  ok(cli(['run', '--rm', '-v', 'vol:/v', 'busybox', 'sh', '-c', 'head -c 100000 /dev/urandom > /v/f']))
  ok(cli(['create', '--name', 'c1', 'app', 'sh', '-c', 'head -c 150000 /dev/urandom > /w && mkdir -p /var/x && echo x > /var/x/y && rm /data.bin']))
  ok(cli(['start', '-a', 'c1']))
  // Leftovers: an ingest temp, a record temp of a process that is gone; and a file no part of the store owns.
  writeFileSync(join(root, 'ingest', 'leftover'), seededBytes(12_345, 14))
  writeFileSync(join(root, 'images', `repositories.json.tmp-${deadPid()}-01234567`), '{"ta')
  writeFileSync(join(root, 'stray.txt'), 'not the store\'s\n'.repeat(500))
  return cli
}

const du = (root: string) => Number(sh(`du --block-size=1 -s ${root}`).split('\t')[0])

describe.skipIf(skip)('system df counts every byte on disk', () => {
  test.each([
    ['the default driver and sharing', {}],
    ['overlay over hard-linked snapshots', { STORE_SNAPSHOT_SHARING: 'hardlink' }],
    ['the copy driver over copied snapshots', { STORE_DRIVER: 'copy', STORE_SNAPSHOT_SHARING: 'copy' }],
  ])('%s: the On Disk figures add up to du of the root', (_name, env) => {
    const tmp = tempDir('store-e2e-df-root-')
    try {
      const root = join(tmp.dir, 'root')
      const cli = fill(root, env)
      const lines = ok(cli(['system', 'df', '--format', 'json'])).trim().split('\n').map((l) => JSON.parse(l))
      const disk = lines.find((l) => l.Type === 'On Disk')
      const areas = ['BlobsBytes', 'SnapshotsBytes', 'ContainersBytes', 'VolumesBytes', 'BuildCacheBytes', 'RecordsBytes', 'TempBytes']
      for (const a of areas) expect(disk[a], a).toBeGreaterThan(0)
      expect(areas.reduce((s, a) => s + disk[a], 0)).toBe(disk.TotalBytes)
      // Temp: the ingest temp (12,345 bytes: 16 KiB of blocks), the record temp, the stray file, and ingest/ itself.
      expect(disk.TempBytes).toBeGreaterThanOrEqual(16384 + 4096 + 8192)
      const used = du(root)
      const sharing = /^ {2}Snapshot Sharing: (\S+)$/m.exec(ok(cli(['system', 'info'])))?.[1]
      if (sharing === 'reflink') {
        expect(disk.TotalBytes).toBeLessThanOrEqual(used)
        expect(used - disk.TotalBytes).toBeLessThanOrEqual(lines.find((l) => l.Type === 'Snapshots').SizeBytes)
      } else expect(disk.TotalBytes).toBe(used)

      // The table's line says the same, and the Docker rows keep Docker's fields.
      expect(ok(cli(['system', 'df']))).toMatch(/^On disk: \S+ in all: \S+ blobs, \S+ snapshots and pool, \S+ containers, \S+ volumes, \S+ build cache, \S+ records, \S+ temp and trash$/m)
      const row = (type: string) => lines.find((l) => l.Type === type)
      for (const type of ['Images', 'Containers', 'Local Volumes', 'Build Cache']) {
        expect(Object.keys(row(type)).slice(0, 5)).toEqual(['Active', 'Reclaimable', 'Size', 'TotalCount', 'Type'])
      }
      expect(row('Build Cache').SizeBytes).toBeGreaterThan(50_000) // the failed build's step and the cache mount
      expect(row('Containers')).toMatchObject({ TotalCount: '1', Active: '0' })
      expect(row('Containers').SizeBytes).toBeGreaterThanOrEqual(150_000)
      expect(row('Local Volumes').SizeBytes).toBe(100_000)
    } finally {
      tmp.cleanup()
    }
  })
})

describe('system df -v and --format json', () => {
  test('two imports of nearly the same tree share every chunk but the changed file; -v --format json is one object with Docker\'s fields and ours', () => {
    requireBuilt()
    const tmp = tempDir('store-e2e-df-near-')
    try {
      const root = join(tmp.dir, 'root')
      const cli = (args: string[]) => store(root, args)
      const tree = join(tmp.dir, 'tree')
      mkdirSync(join(tree, 'data'), { recursive: true })
      for (let i = 0; i < 6; i++) writeFileSync(join(tree, `data/f${i}`), seededBytes(40_000, 20 + i))
      ok(cli(['import', tree, 'near/a']))
      ok(cli(['tag', 'near/a', 'near/alias']))
      writeFileSync(join(tree, 'data/f3'), seededBytes(40_000, 99))
      ok(cli(['import', tree, 'near/b']))

      // One row per image (its first tag), Docker's columns first; 5 of 6 files' chunks are shared.
      const v = ok(cli(['system', 'df', '-v'])).split('\n')
      const head = v.findIndex((l) => l.startsWith('REPOSITORY'))
      const rows = v.slice(head + 1, v.indexOf('', head)).map((l) => l.split(/\s{2,}/))
      expect(rows.map((r) => r[0]).sort()).toEqual(['near/a', 'near/b'])
      for (const r of rows) expect([r[4], r[5], r[6], r[7]]).toEqual(['240kB', '200kB', '40kB', '0'])

      const j = JSON.parse(ok(cli(['system', 'df', '-v', '--format', 'json'])))
      expect(Object.keys(j)).toEqual(['Images', 'Containers', 'Volumes', 'BuildCache', 'Snapshots', 'Deduplication', 'OnDisk'])
      const a = j.Images.find((i: { Repository: string }) => i.Repository === 'near/a')
      expect(Object.keys(a).slice(0, 11)).toEqual(['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize'])
      expect(a).toMatchObject({ Containers: '0', Tag: 'latest', Size: '240kB', SharedSize: '200kB', UniqueSize: '40kB', SizeBytes: 240_000, SharedSizeBytes: 200_000, UniqueSizeBytes: 40_000 })
      expect(a.ID).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(a.DeduplicatedBytes).toBe(240_000)
      expect(j.Deduplication).toMatchObject({ LogicalBytes: 480_000, DeduplicatedBytes: 280_000 })
      expect(j.Deduplication.SavedBytes).toBe(j.Deduplication.LogicalBytes - j.Deduplication.StoredBytes)
      expect(j.Deduplication.AllocatedBytes).toBeGreaterThanOrEqual(j.Deduplication.StoredBytes)
      expect(j.OnDisk.TotalBytes).toBe(Number(sh(`du --block-size=1 -s ${root}`).split('\t')[0]))

      // Without -v: Docker's row objects (strings), the Images row with the dedup figures in bytes.
      const lines = ok(cli(['system', 'df', '--format', 'json'])).trim().split('\n').map((l) => JSON.parse(l))
      expect(lines[0]).toMatchObject({ Type: 'Images', TotalCount: '2', Active: '0', Size: '480kB', Reclaimable: '480kB (100%)', ...j.Deduplication })
      expect(lines.at(-1)).toEqual({ Type: 'On Disk', Size: expect.any(String), ...j.OnDisk })
    } finally {
      tmp.cleanup()
    }
  })
})
