// Rows of `store ps`, through Docker's filters: status, exited (an exit code), name and id
// (regular expressions, as Docker's), label, ancestor (the image, by any name or ID) and volume
// (a volume's name or a mount's destination). A status or exited filter looks at every
// container, as Docker's does without -a.

import type { Store } from '../store.js'
import { Codes, StoreError } from '../errors.js'
import { matches, matchLabels, parseFilters, type Filters } from '../filters.js'
import { splitTagged } from '../reference.js'
import { listContainers } from './records.js'
import { currentState, stateName, statusText } from './state.js'
import { isFrozen } from './cgroup.js'
import type { ContainerRecord, ContainerState } from './types.js'

export interface PsRow {
  rec: ContainerRecord
  state: ContainerState
  image: string
  command: string
  status: string
  /** Running, and frozen by `pause`. */
  paused: boolean
}

/** The keys `store ps --filter` knows. */
export const PS_FILTERS = ['status', 'exited', 'name', 'id', 'label', 'ancestor', 'volume'] as const
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']

/** Filters for psRows() from `--filter` words. */
export function psFilters(args: readonly string[] | undefined): Filters {
  const f = parseFilters(args, PS_FILTERS)
  for (const v of f.get('status') ?? []) if (!STATUSES.includes(v)) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid filter 'status=${v}'`)
  for (const v of f.get('exited') ?? []) if (!/^-?\d+$/.test(v)) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid filter 'exited=${v}'`)
  return f
}

export async function psRows(store: Store, all: boolean, f: Filters = new Map()): Promise<PsRow[]> {
  const now = store.now()
  const tags = await store.images.tags()
  const rows: PsRow[] = []
  const ancestors = await Promise.all((f.get('ancestor') ?? []).map((a) => store.images.resolve(a).catch(() => undefined)))
  const every = all || f.has('status') || f.has('exited')
  for (const rec of await listContainers(store)) {
    const state = await currentState(store, rec.id)
    // A restarting container is listed without -a, as Docker counts it running.
    if (!every && state.status !== 'running' && !state.restarting) continue
    const paused = state.status === 'running' && (await isFrozen(state.cgroups))
    if (f.has('status') && !f.get('status')!.includes(paused ? 'paused' : stateName(state))) continue
    if (f.has('exited') && !(state.status === 'exited' && f.get('exited')!.some((c) => Number(c) === state.exitCode))) continue
    if (!matches(f, 'name', rec.name, `/${rec.name}`) || !matches(f, 'id', rec.id) || !matchLabels(f, rec.labels)) continue
    if (f.has('ancestor') && !ancestors.includes(rec.image) && !f.get('ancestor')!.includes(rec.imageRef)) continue
    if (f.has('volume') && !rec.mounts.some((m) => f.get('volume')!.some((v) => v === m.destination || (m.type === 'volume' && v === (m.name ?? m.source))))) continue
    // Docker shows the reference the container was made from while it still names that image.
    const stillTagged = Object.entries(tags).some(([t, id]) => id === rec.image && (t === rec.imageRef || splitTagged(t).repository === rec.imageRef))
    rows.push({
      rec, state,
      image: stillTagged ? rec.imageRef : rec.image.slice(7, 19),
      command: [rec.path, ...rec.args].join(' '),
      status: statusText(state, now) + (paused ? ' (Paused)' : ''),
      paused,
    })
  }
  rows.sort((a, b) => b.rec.created.localeCompare(a.rec.created))
  return rows
}
