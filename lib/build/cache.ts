// The build cache (DESIGN decision 5): content-keyed, shared by every build in the store.
// key = sha256 of (parent chainID, the instruction after expansion, and for COPY/ADD the digest
// of the sources' content, names, modes and ownership; for RUN the environment, workdir and
// user in effect). A hit names the layer the step made, so identical steps over the same parent
// are reused whichever Dockerfile or project they come from. Entries are gc roots until
// `store system prune` / `store builder prune`.

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { withLock } from '../_lock.js'

export interface CacheEntry {
  /** Layer the step produced. */
  chainId: Digest
  /** diffID of that layer. */
  diffId: Digest
  created: string
  /** What the step was, for `builder du`-style listings. */
  description: string
}

interface CacheFile {
  entries: Record<string, CacheEntry>
}

export function cacheKey(store: Store, parts: (string | null | undefined)[]): string {
  return store.hash.sha256(new TextEncoder().encode(JSON.stringify(parts))).slice(7)
}

export async function cacheGet(store: Store, key: string): Promise<CacheEntry | undefined> {
  const f = await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)
  const e = f?.entries?.[key]
  if (!e) return undefined
  // An entry whose layer was swept is a miss (the layer record is the truth).
  return (await store.layers.get(e.chainId)) ? e : undefined
}

export async function cachePut(store: Store, key: string, entry: CacheEntry): Promise<void> {
  await withLock(store.layout, 'cache', async () => {
    const f = (await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)) ?? { entries: {} }
    f.entries[key] = entry
    await writeFileAtomic(store.layout.cacheIndex, JSON.stringify(f))
  })
}

/** Every entry (for gc roots and df). */
export async function cacheEntries(store: Store): Promise<CacheEntry[]> {
  const f = await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)
  return Object.values(f?.entries ?? {})
}

export async function cacheClear(store: Store): Promise<number> {
  return withLock(store.layout, 'cache', async () => {
    const f = await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)
    const n = Object.keys(f?.entries ?? {}).length
    await writeFileAtomic(store.layout.cacheIndex, JSON.stringify({ entries: {} }))
    return n
  })
}
