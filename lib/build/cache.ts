// The build cache (DESIGN decision 5): content-keyed, shared by every build in the store.
// key = sha256 of (parent chainID, the instruction after expansion, and for COPY/ADD the digest
// of the sources' content, names, modes and ownership; for RUN the environment, workdir and
// user in effect). A hit names the layer the step made, so identical steps over the same parent
// are reused whichever Dockerfile or project they come from. Entries are gc roots until
// `store system prune` / `store builder prune`; with `--filter until=` those prunes drop only
// the entries last used before that time (BuildKit's keep-duration: a hit counts as a use).

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { withLock } from '../_lock.js'

export interface CacheEntry {
  /** Layer the step produced. */
  chainId: Digest
  /** diffID of that layer. */
  diffId: Digest
  /** The layer's time in the image (SOURCE_DATE_EPOCH's when set), reused on a hit. */
  created: string
  /** What the step was, for `builder du`-style listings. */
  description: string
  /**
   * When a build last made or hit it (the store's clock, ISO 8601). Records written before it
   * existed have none: their `created` stands in.
   */
  lastUsed?: string
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

/** Record the step's entry, used now. */
export async function cachePut(store: Store, key: string, entry: CacheEntry): Promise<void> {
  await withLock(store.layout, 'cache', async () => {
    const f = (await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)) ?? { entries: {} }
    f.entries[key] = { ...entry, lastUsed: store.now().toISOString() }
    await writeFileAtomic(store.layout.cacheIndex, JSON.stringify(f))
  })
}

/**
 * Mark these entries used now: a build calls it once at its end with its hits (one write per
 * build, not one per cached step; the build's lease keeps a prune away until then).
 */
export async function cacheTouch(store: Store, keys: Iterable<string>): Promise<void> {
  const wanted = new Set(keys)
  if (wanted.size === 0) return
  await withLock(store.layout, 'cache', async () => {
    const f = await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)
    if (!f?.entries) return
    const now = store.now().toISOString()
    for (const k of wanted) if (f.entries[k]) f.entries[k].lastUsed = now
    await writeFileAtomic(store.layout.cacheIndex, JSON.stringify(f))
  })
}

/** When the entry was last used, ms; undefined when no time of it can be read. */
export function lastUsedMs(e: CacheEntry): number | undefined {
  const t = Date.parse(e.lastUsed ?? e.created)
  return Number.isNaN(t) ? undefined : t
}

/** Every entry (for gc roots and df). */
export async function cacheEntries(store: Store): Promise<CacheEntry[]> {
  const f = await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)
  return Object.values(f?.entries ?? {})
}

/**
 * Drop the entries last used before `before` (ms; every entry when undefined); returns how many
 * went. An entry with no readable time is kept by an `until` (as Docker's prunes keep what they
 * cannot date).
 */
export async function cachePrune(store: Store, before?: number): Promise<number> {
  return withLock(store.layout, 'cache', async () => {
    const f = await readJson<CacheFile>(store.layout.cacheIndex).catch(() => undefined)
    const entries = f?.entries ?? {}
    const kept: Record<string, CacheEntry> = {}
    if (before !== undefined) {
      for (const [k, e] of Object.entries(entries)) {
        const t = lastUsedMs(e)
        if (t === undefined || t >= before) kept[k] = e
      }
    }
    const n = Object.keys(entries).length - Object.keys(kept).length
    // An unreadable index is replaced by an empty one, as a full prune always did.
    if (n > 0 || !f) await writeFileAtomic(store.layout.cacheIndex, JSON.stringify({ entries: kept }))
    return n
  })
}

/** Drop every entry; returns how many there were. */
export const cacheClear = (store: Store): Promise<number> => cachePrune(store)
