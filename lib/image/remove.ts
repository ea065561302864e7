// `store rmi [-f] IMAGE…`, with Docker's rules: removing one of several tags only untags; an
// image used by a container is not deleted without -f (and its content stays while the
// container needs it); an ID with several tags needs -f. Content is then swept by a gc that
// keeps every other image, so nothing another image uses is ever removed.

import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { shortId, type Digest } from '../digest/digest.js'
import { parseReference, tagged } from './reference.js'
import { collectGarbage, containerImages } from '../gc.js'

export interface RmiResult {
  untagged: string[]
  deleted: Digest[]
}

export async function removeImages(store: Store, names: string[], force: boolean, isRunning: (containerId: string) => Promise<boolean> = async () => false): Promise<RmiResult> {
  const out: RmiResult = { untagged: [], deleted: [] }
  const errors: string[] = []
  for (const name of names) {
    try {
      await removeOne(store, name, force, isRunning, out)
    } catch (e) {
      if (!(e instanceof StoreError)) throw e
      errors.push(e.message)
    }
  }
  if (out.deleted.length > 0) await collectGarbage(store, { keepImages: true })
  if (errors.length > 0) {
    throw new StoreError(Codes.IMAGE_IN_USE, errors.join('\n'), { data: { partial: out }, exit: 1 })
  }
  return out
}

async function removeOne(store: Store, name: string, force: boolean, isRunning: (id: string) => Promise<boolean>, out: RmiResult) {
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
  const users = (await containerImages(store)).get(id) ?? []
  for (const c of users) {
    if (await isRunning(c)) {
      throw new StoreError(Codes.IMAGE_IN_USE, `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(c)}`, { exit: 1 })
    }
  }
  if (!force) {
    if (users.length > 0) {
      throw new StoreError(Codes.IMAGE_IN_USE, `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(users[0])}`, { exit: 1 })
    }
    if (!byTag && tags.length > 1) {
      throw new StoreError(Codes.IMAGE_IN_USE, `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`, { exit: 1 })
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
