// Mounts in `store run`/`create`: every flag is parsed and checked before anything exists;
// host folders for `-v`, volumes (named ones created on first use, anonymous ones with a random
// name) and the copy of the image's content into an empty volume happen only once the
// container itself is being created (createContainer's prepareMounts hook), so a bad flag
// leaves nothing behind.

import { boolFilter, matchLabels, matches, pruneMatch, type Filters } from '../filters.js'
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import type { Store } from '../store.js'
import type { ContainerMount, ContainerRecord } from './types.js'
import type { VolumeUsage } from '../mount/types.js'
import { listContainers } from './records.js'
import { checkDuplicates, parseMount, parseTmpfs, parseVolume, toContainerMount, validateMountSources, type MountSpec } from '../mount/parse.js'
import { createVolumeStore } from '../mount/volumes.js'
import type { VolumeInfo, VolumeStore } from '../mount/types.js'
import { prepareBindSources, resolveBindSources } from '../mount/bindSources.js'
import { copyImageDirIntoVolume } from '../mount/copyUp.js'

export interface MountArgs {
  volume: string[]
  mount: string[]
  tmpfs: string[]
  cwd: string
}

export const volumeStore = (store: Store) => createVolumeStore(store.layout, store.now)

export async function resolveMountArgs(store: Store, a: MountArgs) {
  const parsed: MountSpec[] = [
    ...a.volume.map((v) => parseVolume(v, a.cwd)),
    ...a.mount.map((m) => parseMount(m, a.cwd)),
    ...a.tmpfs.map((t) => parseTmpfs(t)),
  ]
  checkDuplicates(parsed)
  validateMountSources(parsed, existsSync)
  const specs = resolveBindSources(parsed)
  const mounts: ContainerMount[] = specs.map((s) => toContainerMount(s, s.kind === 'volume' && s.source === undefined ? randomBytes(32).toString('hex') : undefined))
  const prepare = async (rec: ContainerRecord, lowers: string[]) => {
    await prepareBindSources(specs)
    const volumes = volumeStore(store)
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i]
      const m = rec.mounts[i] ?? mounts[i]
      if (s.kind !== 'volume' || m.type !== 'volume') continue
      const name = m.name ?? m.source
      await volumes.create(name, { labels: s.labels, opts: s.driverOpts, driver: s.driver, anonymous: s.source === undefined })
      if (s.nocopy || s.subpath !== undefined) continue
      await fillFromImage(volumes, name, s.target, lowers)
    }
    // The image's VOLUMEs that no flag covered (createContainer appends them): anonymous.
    for (const m of rec.mounts.slice(specs.length)) {
      if (m.type !== 'volume') continue
      const name = m.name ?? m.source
      await volumes.create(name, { anonymous: true })
      await fillFromImage(volumes, name, m.destination, lowers)
    }
  }
  // An empty volume over a folder of the image starts with the image's content there: the
  // merged content of every layer, the target resolved inside the image (copyUp.ts).
  const fillFromImage = async (volumes: VolumeStore, name: string, target: string, lowers: string[]) => {
    if (!(await volumes.isEmpty(name))) return
    await copyImageDirIntoVolume(lowers, target, volumes.dataDir(name))
  }
  return { mounts, prepare }
}

async function usersOf(store: Store): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>()
  for (const c of await listContainers(store)) {
    for (const m of c.mounts) {
      if (m.type !== 'volume') continue
      const n = m.name ?? m.source
      users.set(n, [...(users.get(n) ?? []), c.id])
    }
  }
  return users
}

export async function removeVolume(store: Store, name: string, force = false): Promise<void> {
  const users = force ? [] : ((await usersOf(store)).get(name) ?? [])
  await volumeStore(store).remove(name, users)
}

/** After its container is gone: remove an anonymous volume unless another container uses it. */
export async function removeAnonymousVolume(store: Store, name: string): Promise<void> {
  if (((await usersOf(store)).get(name) ?? []).length > 0) return
  await volumeStore(store).remove(name, [])
}

export async function volumeUsage(store: Store): Promise<VolumeUsage[]> {
  const users = await usersOf(store)
  const vs = volumeStore(store)
  const out: VolumeUsage[] = []
  for (const v of await vs.list()) out.push({ name: v.Name, links: users.get(v.Name)?.length ?? 0, size: await vs.size(v.Name), mountpoint: v.Mountpoint, labels: v.Labels })
  return out
}

export async function pruneVolumes(store: Store, all: boolean, f: Filters = new Map()): Promise<{ names: string[]; reclaimed: number }> {
  const users = await usersOf(store)
  const vs = volumeStore(store)
  // A volume the filters leave out counts as in use (kept).
  const labels = new Map<string, Record<string, string>>()
  if (f.size) for (const v of await vs.list()) labels.set(v.Name, v.Labels)
  const now = store.now()
  return vs.prune((n) => (users.get(n)?.length ?? 0) > 0 || (f.size > 0 && !pruneMatch(f, undefined, labels.get(n), now)), { all })
}

/** `volume ls --filter`: dangling, name (a regular expression found in the name), label (key or key=value, all must hold), driver. */
export async function listVolumes(store: Store, filters: Filters = new Map()): Promise<VolumeInfo[]> {
  const dangling = boolFilter(filters, 'dangling')
  const users = await usersOf(store)
  return (await volumeStore(store).list()).filter(
    (x) =>
      (dangling === undefined || ((users.get(x.Name)?.length ?? 0) === 0) === dangling) &&
      matches(filters, 'name', x.Name) && matchLabels(filters, x.Labels) && (!filters.has('driver') || filters.get('driver')!.includes(x.Driver)),
  )
}

export { usersOf as volumeUsers }
