// Removal: delete() of a loose blob, and cleanIngest() for temp files that a killed process left
// in ingest/. Packed blobs are never deleted one by one (packs are immutable): gc's sweep
// (sweep.ts) deletes or repacks whole packs.

import { lstat, rm, unlink } from 'node:fs/promises'
import type { Digest } from '../digest/digest.js'
import { errno, type CasContext } from './_context.js'
import { list } from './walk.js'

export async function remove(ctx: CasContext, d: Digest): Promise<boolean> {
  try {
    await unlink(ctx.layout.blob(d))
    return true
  } catch (e) {
    if (errno(e) === 'ENOENT') return false
    throw e
  }
}

/** Removes entries of ingest/ last modified at least `olderThanMs` ago. */
export async function cleanIngest(ctx: CasContext, olderThanMs: number): Promise<{ files: number; bytes: number }> {
  const cutoff = Date.now() - olderThanMs
  let files = 0
  let bytes = 0
  for (const name of await list(ctx.layout.ingestDir)) {
    const path = `${ctx.layout.ingestDir}/${name}`
    try {
      const st = await lstat(path)
      if (st.mtimeMs > cutoff) continue
      await rm(path, { recursive: true, force: true })
      files++
      bytes += st.isFile() ? st.size : 0
    } catch (e) {
      // Gone meanwhile: its writer finished.
      if (errno(e) !== 'ENOENT') throw e
    }
  }
  return { files, bytes }
}
