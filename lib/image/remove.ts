// `store rmi [-f] IMAGE…`, with Docker's rules: removing one of several tags only untags; an
// image used by a container is not deleted without -f (and its content stays while the
// container needs it); an ID with several tags needs -f. Content is then swept by a gc that
// keeps every other image, so nothing another image uses is ever removed. What containers use
// and the gc come from the tiers above (RmiServices; lib/index.ts wires them), so this images
// tier module imports neither.

import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { shortId, type Digest } from '../digest/digest.js'
import { parseReference, tagged } from '../reference.js'

export interface RmiResult {
  untagged: string[]
  deleted: Digest[]
}

/** What rmi needs of the containers and of gc. */
export interface RmiServices {
  /** IDs of the containers (running or not) made from image `id`. */
  containersOf(id: Digest): Promise<string[]>
  isRunning(containerId: string): Promise<boolean>
  /** Sweep what no image needs any more (every image record kept). */
  collect(): Promise<void>
}

export async function removeImages(store: Store, names: string[], force: boolean, services: RmiServices): Promise<RmiResult> {
  const out: RmiResult = { untagged: [], deleted: [] }
  const errors: string[] = []
  for (const name of names) {
    try {
      await removeOne(store, name, force, services, out)
    } catch (e) {
      if (!(e instanceof StoreError)) throw e
      errors.push(e.message)
    }
  }
  if (out.deleted.length > 0) await services.collect()
  if (errors.length > 0) {
    throw new StoreError(Codes.IMAGE_IN_USE, errors.join('\n'), { data: { partial: out } })
  }
  return out
}

async function removeOne(store: Store, name: string, force: boolean, services: RmiServices, out: RmiResult) {
  const id = await store.images.require(name)
  const tags = await store.images.tagsOf(id)
  let byTag: string | undefined
  try {
    const r = parseReference(name)
    if (!r.digest && tags.includes(tagged(r))) byTag = tagged(r)
  } catch {
    // an ID, not a reference
  }
  if (byTag && tags.length > 1) {
    await store.images.untag(byTag)
    out.untagged.push(byTag)
    return
  }
  const users = await services.containersOf(id)
  for (const c of users) {
    if (await services.isRunning(c)) {
      throw new StoreError(Codes.IMAGE_IN_USE, `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(c)}`)
    }
  }
  if (!force) {
    if (users.length > 0) {
      throw new StoreError(Codes.IMAGE_IN_USE, `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(users[0])}`)
    }
    if (!byTag && tags.length > 1) {
      throw new StoreError(Codes.IMAGE_IN_USE, `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`)
    }
  }
  // A stopped container still needs the image's content: keep the record (dangling).
  if (users.length > 0) {
    for (const t of tags) if ((await store.images.untag(t)) === id) out.untagged.push(t)
    return
  }
  // Tags and record go in one locked section; a tag added meanwhile keeps the image.
  const r = await store.images.remove(id, tags)
  out.untagged.push(...r.untagged)
  if (r.deleted) out.deleted.push(id)
}
