// Every temp or trash entry an interrupted operation can leave, in one list (DESIGN decision 6:
// a killed process leaves at most such entries; issue 11: each is reclaimed). Named steps, each
// returning what it found; `system df` counts them all, `system prune` removes them:
//   ingest     ingest/*                          gc removes (under the gc lock, no writer live)
//   pack       packs/<name>.pack without its .idx (a write killed between the two links); gc removes
//   snapshot   snapshots/<chainID>.tmp-<pid>-*   gc removes
//   record     <record>.tmp-<pid>-*              a record write killed before its rename
//   lock       locks/*.new, dead processes' leases
//   volume     volumes/.tmp-<pid>-*, .rm-<pid>-* also swept by the next volume create/rm/prune
//   container  containers/<id>/ with no record   a create killed before it wrote the record
//   output     <file>.tmp-<pid> of save/export -o also swept by the next save/export -o

import { access, readdir } from 'node:fs/promises'
import type { Store } from '../store.js'
import { bytesOf, orphansIn, removeLeftovers, TMP_SUFFIX, type Leftover, type LeftoverKind, type LeftoverStats } from '../_leftovers.js'
import { outputLeftovers } from '../_outputFile.js'
import { withLock } from '../_lock.js'
import { createVolumeStore } from '../mount/volumes.js'
import { listContainerIds, recordPath } from '../container/records.js'
import { rmTree } from '../_rm.js'
import { unmountUnder } from '../driver/_mounts.js'

const LOCK_TEMP = /\.(\d+)-[0-9a-f]+\.new2?$/
const LEASE = /^(\d+)-[0-9a-f]+$/

export async function findLeftovers(store: Store): Promise<Leftover[]> {
  return [
    ...(await ingestEntries(store)),
    ...(await packsWithoutIndex(store)),
    ...(await orphansIn(store.layout.snapshotsDir, TMP_SUFFIX, 'snapshot')),
    ...(await recordTemps(store)),
    ...(await lockTemps(store)),
    ...(await createVolumeStore(store.layout).leftovers()),
    ...(await unrecordedContainers(store)),
    ...(await outputLeftovers(store.layout)),
  ]
}

export type ReclaimStats = LeftoverStats & { byKind: Partial<Record<LeftoverKind, number>> }

/** `system prune`'s step for what gc does not sweep itself (ingest/ and snapshots are gc's). */
export async function reclaimLeftovers(store: Store): Promise<ReclaimStats> {
  const stats: ReclaimStats = { entries: 0, bytes: 0, byKind: {} }
  const add = (kind: LeftoverKind, s: LeftoverStats) => {
    stats.entries += s.entries
    stats.bytes += s.bytes
    if (s.entries > 0) stats.byKind[kind] = (stats.byKind[kind] ?? 0) + s.entries
  }
  add('record', await removeLeftovers(await recordTemps(store)))
  add('lock', await removeLeftovers(await lockTemps(store)))
  add('volume', await removeLeftovers(await createVolumeStore(store.layout).leftovers()))
  add('output', await removeLeftovers(await outputLeftovers(store.layout)))
  // Under the names lock, which a create holds from making the dir to writing the record: a
  // dir without a record then is never one being created.
  add('container', await withLock(store.layout, 'names', async () => removeContainerDirs(await unrecordedContainers(store))))
  return stats
}

async function ingestEntries(store: Store): Promise<Leftover[]> {
  const dir = store.layout.ingestDir
  const out: Leftover[] = []
  for (const n of await readdir(dir).catch(() => [] as string[])) out.push({ kind: 'ingest', path: `${dir}/${n}`, bytes: await bytesOf(`${dir}/${n}`) })
  return out
}

async function packsWithoutIndex(store: Store): Promise<Leftover[]> {
  const names = new Set(await readdir(store.layout.packsDir).catch(() => [] as string[]))
  const out: Leftover[] = []
  for (const n of names) {
    const m = /^([0-9a-f]{64})\.pack$/.exec(n)
    if (m && !names.has(`${m[1]}.idx`)) out.push({ kind: 'pack', path: `${store.layout.packsDir}/${n}`, bytes: await bytesOf(`${store.layout.packsDir}/${n}`) })
  }
  return out
}

async function recordTemps(store: Store): Promise<Leftover[]> {
  const l = store.layout
  const dirs = [l.root, l.imagesDir, `${l.imagesDir}/ids`, l.layersDir, l.cacheDir, `${l.cacheDir}/seccomp`, `${l.cacheDir}/push`]
  for (const id of await listContainerIds(store)) dirs.push(l.container(id))
  const out: Leftover[] = []
  for (const d of dirs) out.push(...(await orphansIn(d, TMP_SUFFIX, 'record')))
  return out
}

async function lockTemps(store: Store): Promise<Leftover[]> {
  return [...(await orphansIn(store.layout.locksDir, LOCK_TEMP, 'lock')), ...(await orphansIn(store.layout.leasesDir, LEASE, 'lock'))]
}

async function unrecordedContainers(store: Store): Promise<Leftover[]> {
  const out: Leftover[] = []
  for (const id of await listContainerIds(store)) {
    if (await access(recordPath(store, id)).then(() => true, () => false)) continue
    const path = store.layout.container(id)
    out.push({ kind: 'container', path, bytes: await bytesOf(path) })
  }
  return out
}

async function removeContainerDirs(list: Leftover[]): Promise<LeftoverStats> {
  const stats: LeftoverStats = { entries: 0, bytes: 0 }
  for (const c of list) {
    try {
      // Never rm -r through a mount (a killed run may have left its rootfs mounted).
      await unmountUnder(c.path)
      await rmTree(c.path)
    } catch (e: any) {
      // A container being removed right now (its recursive delete took the record already):
      // that removal finishes it; two recursive deletes of one tree trip over each other.
      if (e?.code !== 'ENOENT' && e?.code !== 'ENOTEMPTY') throw e
      continue
    }
    stats.entries++
    stats.bytes += c.bytes
  }
  return stats
}
