// Whether a folder is exactly as its last import saw it: every entry, in order, with the same
// path and lstat fingerprint as that import's stats file records (_treeStats.ts). Then the
// layer it made is the layer it would make, and nothing needs reading. Stops at the first
// difference, so a changed tree costs a walk only as far as its first change.

import { TreeScan } from './_scan.js'
import type { WorkerPools } from '../_workerPool.js'
import { TreeStatsReader } from './_treeStats.js'
import { tarTypeOf } from './_treeHeader.js'
import { equal } from './_previous.js'

export async function treeUnchanged(root: string, statsFile: string, workers: WorkerPools): Promise<boolean> {
  const stats = new TreeStatsReader(statsFile)
  try {
    for await (const run of new TreeScan(root, workers)) {
      for (const e of run) {
        if (!tarTypeOf(e.mode)) continue // not in the layer (a socket)
        const r = stats.next()
        if (!r || r.name !== e.name || !equal(r.fp, e.fps, e.fpAt)) return false
      }
    }
    return stats.next() === undefined
  } finally {
    stats.close()
  }
}
