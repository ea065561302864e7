// What an interrupted operation leaves: a temp or trash entry named after its writer's pid
// (`.tmp-<pid>-<hex>`, `.rm-<pid>-<hex>`, …). Such an entry is an orphan once that process is
// gone (lib/lock/_process.ts: a reused pid does not count); until then it may be work in flight
// and is left alone. Orphans are counted by `system df` and removed by the next operation of
// their kind or by `system prune`.

import { lstat, readdir } from 'node:fs/promises'
import { orphaned } from './lock/index.js'
import { treeSize } from './_treeSize.js'
import { rmTree } from './_rm.js'

export type LeftoverKind = 'ingest' | 'pack' | 'snapshot' | 'record' | 'lock' | 'volume' | 'container' | 'output'

export interface Leftover {
  kind: LeftoverKind
  path: string
  /** Bytes of file content in it. */
  bytes: number
}

export interface LeftoverStats {
  entries: number
  bytes: number
}

/** The temp name record writers use (lib/_fs.ts writeFileAtomic) and snapshots use. */
export const TMP_SUFFIX = /\.tmp-(\d+)-[0-9a-f]+$/

/** Entries of `dir` whose name matches `pattern` (group 1: the writer's pid) and whose writer is gone. */
export async function orphansIn(dir: string, pattern: RegExp, kind: LeftoverKind): Promise<Leftover[]> {
  const out: Leftover[] = []
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    const m = pattern.exec(n)
    if (!m) continue
    const path = `${dir}/${n}`
    const st = await lstat(path).catch(() => undefined)
    // ctime, not mtime: a rename (volume rm's trash) keeps a dir's old mtime but sets its ctime.
    if (!st || !(await orphaned(Number(m[1]), st.ctimeMs))) continue
    out.push({ kind, path, bytes: await bytesOf(path) })
  }
  return out
}

/** Bytes of file content under path (a file's own size). */
export async function bytesOf(path: string): Promise<number> {
  const st = await lstat(path).catch(() => undefined)
  if (!st) return 0
  return st.isDirectory() ? treeSize(path).catch(() => 0) : st.size
}

export async function removeLeftovers(list: Leftover[]): Promise<LeftoverStats> {
  const stats: LeftoverStats = { entries: 0, bytes: 0 }
  for (const l of list) {
    try {
      await rmTree(l.path) // a volume's data may hold dirs its owner made unreadable
    } catch (e: any) {
      // Another sweep removing the same entry at the same time: it finishes the job.
      if (e?.code === 'ENOENT' || e?.code === 'ENOTEMPTY') continue
      throw e
    }
    stats.entries++
    stats.bytes += l.bytes
  }
  return stats
}
