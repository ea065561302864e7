// Containers in `store system df` and `store system prune`.

import { pruneMatch, type Filters } from '../filters.js'
import type { Store } from '../store.js'
import type { ContainerUsage } from './types.js'
import { getDriver } from '../driver/index.js'
import { listContainers } from './records.js'
import { currentState, stateName, statusText } from './state.js'
import { removeContainer } from './lifecycle.js'

export async function containerUsage(store: Store): Promise<ContainerUsage[]> {
  const now = store.now()
  const tags = await store.images.tags()
  const out: ContainerUsage[] = []
  for (const rec of await listContainers(store)) {
    const s = await currentState(store, rec.id)
    const size = await getDriver(rec.driver).writableSize(store.layout.container(rec.id)).catch(() => 0)
    const tagged = Object.keys(tags).find((t) => tags[t] === rec.image)
    out.push({
      id: rec.id, image: tagged ? rec.imageRef : rec.image.slice(7, 19), command: [rec.path, ...rec.args].join(' '),
      localVolumes: rec.mounts.filter((m) => m.type === 'volume').length, size, created: rec.created, status: statusText(s, now), names: rec.name,
      state: stateName(s), labels: rec.labels, mounts: rec.mounts.map((m) => m.name ?? m.source), network: rec.network,
    })
  }
  return out
}

export async function runningCount(store: Store): Promise<number> {
  let n = 0
  for (const rec of await listContainers(store)) if ((await currentState(store, rec.id)).status === 'running') n++
  return n
}

/** Remove every container that is not running; returns IDs and writable-layer bytes freed. */
export async function pruneContainers(store: Store, f: Filters = new Map()): Promise<{ ids: string[]; reclaimed: number }> {
  const ids: string[] = []
  let reclaimed = 0
  const now = store.now()
  for (const rec of await listContainers(store)) {
    if ((await currentState(store, rec.id)).status === 'running') continue
    if (!pruneMatch(f, rec.created, rec.labels, now)) continue
    reclaimed += await getDriver(rec.driver).writableSize(store.layout.container(rec.id)).catch(() => 0)
    await removeContainer(store, rec)
    ids.push(rec.id)
  }
  return { ids, reclaimed }
}
