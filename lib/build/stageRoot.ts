// A stage's (or an image's) file system for COPY --from: the merged view of its snapshots
// (driver/view.ts), read in place. Nothing is materialised: sources are resolved inside that
// view (a stage's `ln -s / /l` makes `COPY --from=stage /l/etc/passwd` read the stage's own
// /etc/passwd, never the host's), and files are read from the snapshot that holds them. It also
// saves applying every layer of the stage to a temp dir for each COPY --from.

import type { Store } from '../store.js'
import type { LayerRecord } from '../layer/index.js'
import { storeSnapshots } from '../container/snapshots.js'
import { mergedView, type MergedView } from '../driver/index.js'

export async function materialize(store: Store, layers: LayerRecord[]): Promise<{ dir: MergedView; cleanup: () => Promise<void> }> {
  const snapshots = (await storeSnapshots(store, layers)).dirs
  return { dir: mergedView([...snapshots].reverse()), cleanup: async () => {} }
}
