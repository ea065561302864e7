// The last import of each folder: its layer and its stats file (lib/layer/_treeStats.ts: path
// and lstat fingerprint of every entry). The next import of the folder checks the tree against
// it: unchanged, the layer is reused without reading a file (a write to a file changes its
// ctime, even if its mtime is put back, so an equal fingerprint means equal content: the rule
// git's index and BuildKit's context cache rely on); changed, each unchanged file's content is
// taken from that layer and only the others are read. A cache: records whose layer is gone
// (gc) are dropped with their stats files at the next import.

import { mkdir, readdir, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import type { LayerRecord } from '../layer/index.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { withLock } from '../_lock.js'

interface Memo {
  version: 2
  /** By the folder's real path. */
  trees: Record<string, { chainId: Digest; stats: string }>
}

export interface LastImport {
  record: LayerRecord
  /** Path of its stats file. */
  stats: string
}

const read = async (store: Store): Promise<Memo> => {
  const m = await readJson<Memo>(store.layout.importTrees).catch(() => undefined)
  return m?.version === 2 ? m : { version: 2, trees: {} }
}

/** The last import of `dir`, if its layer is still in the store (the caller holds a gc lease). */
export async function lastImport(store: Store, dir: string): Promise<LastImport | undefined> {
  const e = (await read(store)).trees[dir]
  if (!e) return undefined
  const record = await store.layers.get(e.chainId)
  if (!record || !(await store.cas.has(record.index))) return undefined
  const stats = store.layout.importStats(e.stats)
  return existsSync(stats) ? { record, stats } : undefined
}

/** Where ingest writes a new stats file (a record temp: reclaimed if its writer dies). */
export async function statsTemp(store: Store): Promise<{ temp: string; dir: string }> {
  await mkdir(store.layout.importStatsDir, { recursive: true })
  return { temp: `${store.layout.cacheDir}/import-stats.tmp-${process.pid}-${randomBytes(4).toString('hex')}`, dir: store.layout.importStatsDir }
}

/** Records `dir`'s import; drops records whose layer is gone and stats files no record names. */
export async function recordImport(store: Store, dir: string, chainId: Digest, stats: string): Promise<void> {
  await withLock(store.layout, 'import-trees', async () => {
    const m = await read(store)
    m.trees[dir] = { chainId, stats }
    for (const [d, e] of Object.entries(m.trees)) if (!(await store.layers.get(e.chainId))) delete m.trees[d]
    await writeFileAtomic(store.layout.importTrees, JSON.stringify(m))
    const named = new Set(Object.values(m.trees).map((e) => e.stats))
    for (const f of await readdir(store.layout.importStatsDir).catch(() => [] as string[])) {
      if (!named.has(f)) await rm(store.layout.importStats(f), { force: true })
    }
  })
}
