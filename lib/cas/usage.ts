// `system df`'s numbers, from the pack indexes (each entry's stored length) and the metadata of
// the files (st_size, st_blocks): no blob is read. Loose files are stat'ed synchronously: a
// metadata read from the cache costs microseconds, an async one a threadpool round trip.

import { statSync } from 'node:fs'
import type { Digest } from '../digest/digest.js'
import { errno, ioError, type CasContext } from './_context.js'
import type { StoreUsage } from './types.js'
import { walkLoose } from './walk.js'

export async function usage(ctx: CasContext): Promise<StoreUsage> {
  await ctx.packs.refresh()
  const u = { blobs: 0, stored: 0, allocated: 0, files: 0 }
  const packs = ctx.packs.list()
  for (const p of packs) {
    u.blobs += p.index.count
    u.stored += p.index.storedBytes()
    for (const path of [ctx.layout.pack(p.name), ctx.layout.packIndex(p.name)]) u.allocated += allocatedOf(path, u)
  }
  const loose = new Map<string, number>()
  for await (const hex of walkLoose(ctx)) {
    const path = ctx.layout.blob(`sha256:${hex}`)
    const st = statOf(path)
    if (!st) continue
    loose.set(hex, st.size)
    u.blobs++
    u.files++
    u.stored += st.size
    u.allocated += st.blocks * 512
  }
  return {
    ...u,
    packs: packs.length,
    storedSize: (d: Digest) => ctx.packs.find(d.slice(7))?.length ?? loose.get(d.slice(7)),
  }
}

function allocatedOf(path: string, u: { files: number }): number {
  const st = statOf(path)
  if (!st) return 0
  u.files++
  return st.blocks * 512
}

/** Bytes the file system allocates for a file (0 if there is none). */
export const allocated = (path: string): number => (statOf(path)?.blocks ?? 0) * 512

/** size and blocks of a file; undefined if it is gone (removed since it was listed). */
export function statOf(path: string): { size: number; blocks: number } | undefined {
  try {
    return statSync(path)
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined
    throw ioError(e, path, 'stat')
  }
}
