// `system df`'s "On disk" figures: what every byte under the store root is there for, in the
// file system's allocated blocks (st_blocks), each inode once, dirs included: what
// `du --block-size=1 -s <root>` counts, split by area:
//   blobs       packs/ (packs and their indexes) and blobs/ (loose blobs)
//   snapshots   snapshots/ (trees and their maps) and pool/ (each content file once)
//   containers  containers/<id>/: writable layer, init layer, work dir, rootfs (copy driver), logs
//   volumes     volumes/<name>/
//   buildCache  cache/: build cache records, RUN cache mounts, import stats, resemblance index
//   records     images/, layers/, locks/, pending/, VERSION and the root's own files and dir
//   temp        ingest/, what interrupted work left (leftovers.ts: packs without an index, temp
//               records, trash of a volume rm, containers without a record, …), and anything
//               else under the root that no part of the store owns
// No blob is read and snapshot trees are not walked: a tree's bytes are what its map recorded
// when it was made (read-only since), the pool's come from snapshotUsage's scan; every other
// entry is one lstat. A mount found under the root (another file system) is not entered.

import { lstatSync, readdirSync, type Stats } from 'node:fs'
import type { Layout } from '../layout.js'
import type { SnapshotUsage } from '../snapshot/index.js'

export interface DiskAreas {
  blobs: number
  snapshots: number
  containers: number
  volumes: number
  buildCache: number
  records: number
  temp: number
  /** All of the above: the whole root. */
  total: number
}

type Area = Exclude<keyof DiskAreas, 'total'>

const AREA_OF: Record<string, Area> = {
  packs: 'blobs',
  blobs: 'blobs',
  containers: 'containers',
  volumes: 'volumes',
  cache: 'buildCache',
  ingest: 'temp',
  images: 'records',
  layers: 'records',
  locks: 'records',
  pending: 'records',
  VERSION: 'records',
  'driver.json': 'records',
  'settings.json': 'records',
}

/** `trash`: paths of leftovers (counted as temp wherever they are). */
export function diskAreas(layout: Layout, snaps: SnapshotUsage, trash: Iterable<string>): DiskAreas {
  const a: DiskAreas = { blobs: 0, snapshots: 0, containers: 0, volumes: 0, buildCache: 0, records: 0, temp: 0, total: 0 }
  const temp = new Set(trash)
  const root = statOf(layout.root)
  if (!root) return a
  // Inodes with more than one name, counted once (du's rule): pool files first, as the scan saw them.
  const seen = new Set<number>()
  const add = (area: Area, st: Stats) => {
    if (!st.isDirectory() && st.nlink > 1) {
      if (seen.has(st.ino)) return
      seen.add(st.ino)
    }
    a[area] += st.blocks * 512
  }
  const tree = (path: string, area: Area) => {
    if (temp.has(path)) area = 'temp'
    const st = statOf(path)
    if (!st) return
    add(area, st)
    if (st.isDirectory() && st.dev === root.dev) for (const n of namesIn(path)) tree(`${path}/${n}`, area)
  }

  add('records', root)
  for (const n of namesIn(layout.root)) {
    const path = `${layout.root}/${n}`
    if (path === layout.snapshotsDir) snapshotsDir(path)
    else if (path === layout.poolDir) poolDir(path)
    else tree(path, AREA_OF[n] ?? 'temp')
  }
  a.total = a.blobs + a.snapshots + a.containers + a.volumes + a.buildCache + a.records + a.temp
  return a

  /** Trees by their maps (or, without one, as measured by snapshotUsage), maps by lstat; the rest is temp. */
  function snapshotsDir(dir: string) {
    const st = statOf(dir)
    if (!st) return
    add('snapshots', st)
    const trees = new Map<string, number>()
    for (const s of snaps.snapshots) trees.set(s.dir, s.map.ownBytes)
    for (const u of snaps.unmapped) trees.set(u.dir, u.bytes)
    for (const n of namesIn(dir)) {
      const path = `${dir}/${n}`
      const own = trees.get(path)
      if (own !== undefined && !temp.has(path)) a.snapshots += own
      else if (n.endsWith('.map') && trees.has(path.slice(0, -4))) tree(path, 'snapshots')
      else tree(path, 'temp') // half-made trees, maps whose tree is gone
    }
  }

  /** The shard dirs by lstat, their files as the pool scan found them (not again); other entries are temp. */
  function poolDir(dir: string) {
    const st = statOf(dir)
    if (!st) return
    add('snapshots', st)
    // Content files, then their other names (a stub's redirect: the scan gives it 0 bytes).
    for (const pass of [true, false]) {
      for (const f of snaps.pool.values()) {
        if (f.bytes > 0 !== pass || seen.has(f.ino)) continue
        seen.add(f.ino)
        a.snapshots += f.bytes
      }
    }
    for (const n of namesIn(dir)) {
      const path = `${dir}/${n}`
      const sub = statOf(path)
      if (!sub) continue
      if (/^[0-9a-f]{2}$/.test(n) && sub.isDirectory()) add('snapshots', sub)
      else tree(path, 'temp')
    }
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined // removed since it was listed
  }
}

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
