// What must hold after any fault, read in this process straight from the store's files:
// fsck finds nothing, every image committed before is still there with the same tags and
// layers, no tag points at a missing image, and (when asked) nothing is left over.

import { expect } from 'vitest'
import { openStore, type Store } from '../../lib/store.js'
import { fsck } from '../../lib/fsck.js'
import { getConfig } from '../../lib/image/create.js'
import { findLeftovers } from '../../lib/system/leftovers.js'
import type { Digest } from '../../lib/digest/digest.js'

export interface KeptImage {
  id: Digest
  tags: string[]
  diffIds: string[]
}

export const open = (root: string): Promise<Store> => openStore({ root })

/** An image as it is now, to be compared after faults. */
export async function keep(root: string, ref: string): Promise<KeptImage> {
  const s = await open(root)
  const id = await s.images.require(ref)
  return { id, tags: await s.images.tagsOf(id), diffIds: (await getConfig(s, id)).rootfs.diff_ids }
}

export async function tagOf(root: string, ref: string): Promise<Digest | undefined> {
  return (await open(root)).images.resolve(ref)
}

export async function diffIdsOf(root: string, ref: string): Promise<string[]> {
  const s = await open(root)
  return (await getConfig(s, await s.images.require(ref))).rootfs.diff_ids
}

/** fsck is clean (with `snapshots`: every snapshot as its layers make it too) and every kept image is whole, with at least the tags it had. */
export async function expectSound(root: string, kept: KeptImage[] = [], opts: { snapshots?: boolean } = {}): Promise<void> {
  const s = await open(root)
  const report = await fsck(s, undefined, opts)
  expect(report.problems, 'fsck problems').toEqual([])
  const tags = await s.images.tags()
  for (const k of kept) {
    expect(await s.images.get(k.id), `image ${k.id} lost`).toBeDefined()
    expect((await getConfig(s, k.id)).rootfs.diff_ids).toEqual(k.diffIds)
    for (const t of k.tags) expect(tags[t], `tag ${t}`).toBe(k.id)
  }
}

/** Nothing an interrupted operation left remains (after the prune or sweep that removes it). */
export async function expectNoLeftovers(root: string): Promise<void> {
  const left = await findLeftovers(await open(root))
  expect(left.map((l) => `${l.kind} ${l.path}`)).toEqual([])
}
