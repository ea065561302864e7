// `store inspect IMAGE`: Docker's image inspect shape.

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { getConfig, imageLayers } from './create.js'
import { splitTagged } from '../reference.js'

export async function inspectImage(store: Store, id: Digest) {
  const config = await getConfig(store, id)
  const rec = await store.images.get(id)
  const layers = await imageLayers(store, config)
  const tags = await store.images.tagsOf(id)
  const repos = [...new Set(tags.map((t) => splitTagged(t).repository))]
  return {
    Id: id,
    RepoTags: tags,
    // A registry's digest (pulled or pushed) first; a repository without one by the local manifest's.
    RepoDigests: repoDigests(rec?.repoDigests ?? [], repos, rec?.manifestDigest),
    Parent: rec?.parent ?? '',
    Comment: config.history?.[config.history.length - 1]?.comment ?? '',
    Created: config.created ?? '',
    Author: config.author ?? '',
    Config: config.config,
    Architecture: config.architecture,
    Os: config.os,
    Size: layers.reduce((a, l) => a + l.contentSize, 0),
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: rec?.added ?? '' },
    Descriptor: rec?.manifestDigest ? { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: rec.manifestDigest } : undefined,
  }
}

function repoDigests(registry: string[], repos: string[], local: Digest | undefined): string[] {
  const named = new Set(registry.map((d) => d.slice(0, d.lastIndexOf('@'))))
  return [...registry, ...(local ? repos.filter((r) => !named.has(r)).map((r) => `${r}@${local}`) : [])]
}
