// A stage's (or an image's) file system as a plain folder, for COPY --from: the layers applied
// in order with OCI whiteout semantics into a temp dir under the store's ingest area.

import { mkdtemp, rm } from 'node:fs/promises'
import type { Store } from '../store.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'

export async function materialize(store: Store, layers: LayerRecord[]): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(`${store.layout.ingestDir}/stage-`)
  try {
    for (const l of layers) await applyLayer(store.cas, await loadIndex(store.cas, l.index), dir, { mode: 'plain' })
  } catch (e) {
    await rm(dir, { recursive: true, force: true })
    throw e
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
