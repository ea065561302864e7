// Rows of `store history`, newest first. History entries without `empty_layer` match the
// diff_ids one for one; their size is that layer's content size, others are 0B.

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { getConfig, imageLayers } from './create.js'

export interface HistoryRow {
  /** Set on the top row only: layers have no image of their own (<missing>). */
  id?: Digest
  created?: string
  createdBy: string
  size: number
  comment: string
}

export async function imageHistory(store: Store, id: Digest): Promise<HistoryRow[]> {
  const config = await getConfig(store, id)
  const layers = await imageLayers(store, config)
  const rows: HistoryRow[] = []
  let li = 0
  const history = config.history?.length ? config.history : layers.map(() => ({} as { empty_layer?: boolean; created?: string; created_by?: string; comment?: string }))
  for (const h of history) {
    let size = 0
    if (!h.empty_layer) size = layers[li++]?.contentSize ?? 0
    rows.push({ created: h.created, createdBy: h.created_by ?? '', size, comment: h.comment ?? '' })
  }
  rows.reverse()
  if (rows.length > 0) rows[0].id = id
  return rows
}
