// The commit protocol: write a temp file in ingest/, fsync it, then hard-link it to its blob path
// and unlink the temp. A blob therefore only ever appears complete (DESIGN decision 6). link()
// fails with EEXIST instead of replacing, so an existing blob is never touched and "existed" is
// exact even when two processes race on one digest. Where hard links are unsupported, rename
// (atomic replace of identical bytes) is the fallback.
// No fsync of the shard folder: on ext4/xfs the rename/link is journaled in order, so a later
// record that names the blob cannot survive a crash that the blob's entry does not.

import { link, mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { errno, ioError, type CasContext } from './_context.js'
import type { Digest } from '../digest/digest.js'

// Unique within the process by counter, across processes by pid and a random tag.
const tag = `${process.pid}-${randomBytes(4).toString('hex')}`
let seq = 0

export interface Temp {
  path: string
  fh: FileHandle
}

/** A name in ingest/ no other writer uses: `<label>.<pid>-<random>-<n>`. */
export function tempPath(ctx: CasContext, label: string): string {
  return `${ctx.layout.ingestDir}/${label}.${tag}-${++seq}`
}

/** A new, exclusive temp file in ingest/ (the folder is made if a bare root lacks it). */
export async function openTemp(ctx: CasContext, label: string): Promise<Temp> {
  const path = tempPath(ctx, label)
  try {
    try {
      return { path, fh: await open(path, 'wx', 0o644) }
    } catch (e) {
      if (errno(e) !== 'ENOENT') throw e
      await mkdir(ctx.layout.ingestDir, { recursive: true })
      return { path, fh: await open(path, 'wx', 0o644) }
    }
  } catch (e) {
    throw ioError(e, path, 'open')
  }
}

/** Writes all of `parts` at `position` of temp `t`; a failure is STORAGE_FULL or IO_ERROR naming it. */
export async function writeAll(t: Temp, parts: Uint8Array[], position: number): Promise<number> {
  try {
    return await writeParts(t.fh, parts, position)
  } catch (e) {
    throw ioError(e, t.path)
  }
}

/** Writes all of `parts` at `position`, looping over short writes. Returns the bytes written. */
async function writeParts(fh: FileHandle, parts: Uint8Array[], position: number): Promise<number> {
  let total = 0
  for (const p of parts) total += p.length
  let done = (await fh.writev(parts, position)).bytesWritten
  if (done === total) return total
  // Rare (regular files write fully unless the disk fills, which throws): finish part by part.
  let at = 0
  for (const p of parts) {
    const end = at + p.length
    while (done < end) {
      const n = (await fh.write(p, done - at, end - done, position + done)).bytesWritten
      if (n === 0) throw new Error(`short write at byte ${position + done}`)
      done += n
    }
    at = end
  }
  return total
}

/** Closes and removes an abandoned temp file; never throws (the original error matters). */
export async function discard(t: Temp): Promise<void> {
  await t.fh.close().catch(() => {})
  await unlink(t.path).catch(() => {})
}

/** fsync, close, and move the temp to blob `d`. Returns false when the blob already existed. */
export async function commit(ctx: CasContext, t: Temp, d: Digest): Promise<boolean> {
  try {
    await t.fh.sync()
    await t.fh.close()
  } catch (e) {
    await discard(t)
    throw ioError(e, t.path, 'fsync')
  }
  const target = ctx.layout.blob(d)
  const shard = ctx.layout.blobShard(d)
  try {
    if (!ctx.shards.has(shard)) {
      await mkdir(shard, { recursive: true })
      ctx.shards.add(shard)
    }
    try {
      await link(t.path, target)
    } catch (e) {
      const code = errno(e)
      if (code === 'EEXIST') return false
      if (code === 'ENOENT') {
        // The shard folder vanished (removed by hand?): make it again, once.
        await mkdir(shard, { recursive: true })
        await link(t.path, target)
      } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK') {
        const existed = await stat(target).then(() => true, () => false)
        if (!existed) await rename(t.path, target)
        return !existed
      } else throw e
    }
    return true
  } catch (e) {
    throw ioError(e, target, 'link')
  } finally {
    await unlink(t.path).catch(() => {})
  }
}
