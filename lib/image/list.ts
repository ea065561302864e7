// Rows of `store images`: one per tag (untagged images as <none>), newest first, through
// Docker's filters: dangling, reference (Go's path.Match on name:tag or name), label, before
// and since (another image's creation time).

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { getConfig, imageLayers } from './create.js'
import { splitTagged, parseReference } from '../reference.js'
import { Codes, StoreError } from '../errors.js'
import { boolFilter, glob, matchLabels, parseFilters, pruneMatch, type Filters } from '../filters.js'

/** The keys `store images --filter` knows. */
export const IMAGE_FILTERS = ['dangling', 'reference', 'label', 'before', 'since'] as const

/** Filters for listImages() from `--filter` words. */
export const imageFilters = (args: readonly string[] | undefined): Filters => parseFilters(args, IMAGE_FILTERS)

export interface ImageRow {
  repository: string
  tag: string
  id: Digest
  digest?: Digest
  created?: string
  /** Bytes of file content over all layers. */
  size: number
}

/** An RFC 3339 time (any offset, any fraction) in ms; none or unreadable is the zero time. */
const time = (t: string | undefined): number => (t === undefined ? 0 : Date.parse(t) || 0)

export async function listImages(store: Store, opts: { filter?: string; filters?: Filters } = {}): Promise<ImageRow[]> {
  const tags = await store.images.tags()
  const rows: ImageRow[] = []
  let want: { name: string; tag?: string } | undefined
  if (opts.filter) {
    const r = parseReference(opts.filter)
    want = { name: r.name, tag: r.tag }
  }
  const f: Filters = opts.filters ?? new Map()
  const dangling = boolFilter(f, 'dangling')
  const refs = f.get('reference')
  const createdOf = async (key: 'before' | 'since') => {
    const ref = f.get(key)?.at(-1)
    if (ref === undefined) return undefined
    const id = await store.images.resolve(ref)
    if (!id) throw new StoreError(Codes.IMAGE_NOT_FOUND, `No such image: ${ref}`)
    return time((await getConfig(store, id)).created)
  }
  const [before, since] = [await createdOf('before'), await createdOf('since')]
  for (const rec of await store.images.list()) {
    const config = await getConfig(store, rec.id)
    if (!matchLabels(f, config.config?.Labels ?? undefined)) continue
    const created = time(config.created)
    if ((before !== undefined && !(created < before)) || (since !== undefined && !(created > since))) continue
    const size = (await imageLayers(store, config).catch(() => [])).reduce((a, l) => a + l.contentSize, 0)
    const mine = Object.keys(tags).filter((t) => tags[t] === rec.id).sort()
    const base = { id: rec.id, digest: rec.manifestDigest, created: config.created, size }
    if (mine.length === 0) {
      if (!want && !refs && dangling !== false) rows.push({ ...base, repository: '<none>', tag: '<none>' })
      continue
    }
    if (dangling === true) continue
    for (const t of mine) {
      const { repository, tag } = splitTagged(t)
      if (want && (want.name !== repository || (want.tag && want.tag !== tag))) continue
      if (refs && !refs.some((p) => glob(p, `${repository}:${tag}`) || glob(p, repository))) continue
      rows.push({ ...base, repository, tag })
    }
  }
  rows.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag))
  return rows
}

/** For image prune's `--filter until=… label=…`: whether an image may go (its config's Created and Labels). */
export function imagePruneFilter(store: Store, f: Filters): ((id: Digest) => Promise<boolean>) | undefined {
  if (f.size === 0) return undefined
  const now = store.now()
  return async (id) => {
    const c = await getConfig(store, id).catch(() => undefined)
    return pruneMatch(f, c?.created, c?.config?.Labels, now)
  }
}
