// Rows of `store ps`.

import type { Store } from '../store.js'
import { splitTagged } from '../image/reference.js'
import { listContainers } from './records.js'
import { currentState, statusText } from './state.js'
import type { ContainerRecord, ContainerState } from './types.js'

export interface PsRow {
  rec: ContainerRecord
  state: ContainerState
  image: string
  command: string
  status: string
}

export async function psRows(store: Store, all: boolean): Promise<PsRow[]> {
  const now = store.now()
  const tags = await store.images.tags()
  const rows: PsRow[] = []
  for (const rec of await listContainers(store)) {
    const state = await currentState(store, rec.id)
    if (!all && state.status !== 'running') continue
    // Docker shows the reference the container was made from while it still names that image.
    const stillTagged = Object.entries(tags).some(([t, id]) => id === rec.image && (t === rec.imageRef || splitTagged(t).repository === rec.imageRef))
    rows.push({
      rec, state,
      image: stillTagged ? rec.imageRef : rec.image.slice(7, 19),
      command: [rec.path, ...rec.args].join(' '),
      status: statusText(state, now),
    })
  }
  rows.sort((a, b) => b.rec.created.localeCompare(a.rec.created))
  return rows
}
