// Listing and removal: walk() over blobs/sha256/<xx>/<hex>, delete(), and cleanIngest() for temp
// files that a killed process left in ingest/.

import { lstat, readdir, rm, unlink } from 'node:fs/promises'
import { digestFromHex, type Digest } from '../digest/digest.js'
import { errno, type CasContext } from './_context.js'

const SHARD = /^[0-9a-f]{2}$/
const HEX = /^[0-9a-f]{64}$/

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort()
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return []
    throw e
  }
}

/** Every blob, in digest order. Names that are not a digest in its own shard are skipped. */
export async function* walk(ctx: CasContext): AsyncGenerator<Digest> {
  for (const shard of await list(ctx.layout.blobsDir)) {
    if (!SHARD.test(shard)) continue
    for (const name of await list(`${ctx.layout.blobsDir}/${shard}`)) {
      if (HEX.test(name) && name.startsWith(shard)) yield digestFromHex(name)
    }
  }
}

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
