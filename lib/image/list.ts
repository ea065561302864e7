// Rows of `store images`: one per tag (untagged images as <none>), newest first.

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { getConfig, imageLayers } from './create.js'
import { splitTagged, parseReference } from './reference.js'

export interface ImageRow {
  repository: string
  tag: string
  id: Digest
  digest?: Digest
  created?: string
  /** Bytes of file content over all layers. */
  size: number
}

export async function listImages(store: Store, opts: { filter?: string } = {}): Promise<ImageRow[]> {
  const tags = await store.images.tags()
  const rows: ImageRow[] = []
  let want: { name: string; tag?: string } | undefined
  if (opts.filter) {
    const r = parseReference(opts.filter)
    want = { name: r.name, tag: r.tag }
  }
  for (const rec of await store.images.list()) {
    const config = await getConfig(store, rec.id)
    const size = (await imageLayers(store, config).catch(() => [])).reduce((a, l) => a + l.contentSize, 0)
    const mine = Object.keys(tags).filter((t) => tags[t] === rec.id).sort()
    const base = { id: rec.id, digest: rec.manifestDigest, created: config.created, size }
    if (mine.length === 0) {
      if (!want) rows.push({ ...base, repository: '<none>', tag: '<none>' })
      continue
    }
    for (const t of mine) {
      const { repository, tag } = splitTagged(t)
      if (want && (want.name !== repository || (want.tag && want.tag !== tag))) continue
      rows.push({ ...base, repository, tag })
    }
  }
  rows.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag))
  return rows
}
