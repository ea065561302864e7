// The commit of a write transaction (a chunk batch, a repack): its temp files made durable
// together, then visible, in the order that leaves every crash safe:
//   1. sync the file system once (syncfs through coreutils' `sync -f`; an fsync per temp file
//      where that fails, or where there are only a few: durable() below). One fsync per blob
//      was most of an import's time (ext4 commits its journal at each: a 690 MB tree, 10k
//      chunks, 6.7 s of 17.8 s);
//   2. link each pack into packs/, then its index; loose blobs into blobs/. link() never
//      replaces: an existing name (the same pack or blob, written by another process) is success;
//   3. remove the temp names, and sync again (or fsync the dirs named in), so the new names
//      are on disk before any record that refers to them is written.
// A crash before 2 leaves temp files in ingest/; between a pack's link and its index's, a pack
// without an index, which readers never see and gc removes; after, a complete pack.

import { spawn } from 'node:child_process'
import { access, link, mkdir, open, rename, unlink } from 'node:fs/promises'
import { errno, ioError, type CasContext } from './_context.js'
import type { SealedPack } from './_packWriter.js'

/** A blob too large for a pack, written to a temp file by the transaction. */
export interface LooseTemp {
  path: string
  hex: string
}

export async function publish(ctx: CasContext, packs: SealedPack[], loose: LooseTemp[]): Promise<void> {
  if (packs.length === 0 && loose.length === 0) return
  const { layout } = ctx
  const temps = [...packs.flatMap((p) => [p.packTemp, p.indexTemp]), ...loose.map((l) => l.path)]
  await durable(temps, layout.ingestDir)
  const dirs = new Set<string>()
  if (packs.length > 0) {
    await mkdir(layout.packsDir, { recursive: true }).catch((e) => {
      throw ioError(e, layout.packsDir, 'mkdir')
    })
    dirs.add(layout.packsDir)
  }
  for (const p of packs) {
    await linkOnce(p.packTemp, layout.pack(p.index.name))
    await linkOnce(p.indexTemp, layout.packIndex(p.index.name))
  }
  for (const l of loose) {
    const d = `sha256:${l.hex}` as const
    if (!ctx.shards.has(layout.blobShard(d))) {
      await mkdir(layout.blobShard(d), { recursive: true }).catch((e) => {
        throw ioError(e, layout.blobShard(d), 'mkdir')
      })
      ctx.shards.add(layout.blobShard(d))
    }
    dirs.add(layout.blobShard(d))
    await linkOnce(l.path, layout.blob(d))
  }
  await Promise.all(temps.map((t) => unlink(t).catch(() => {})))
  await durable([...dirs], layout.packsDir)
  for (const p of packs) ctx.packs.add(p.index)
}

/** Where hard links are unsupported, rename (an atomic replace of identical bytes) instead. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK'])

async function linkOnce(from: string, to: string): Promise<void> {
  try {
    await link(from, to)
  } catch (e) {
    if (errno(e) === 'EEXIST') return
    if (!NO_LINKS.has(errno(e) ?? '')) throw ioError(e, to, 'link')
    if (!(await access(to).then(() => true, () => false))) await rename(from, to).catch((e2) => { throw ioError(e2, to, 'rename') })
  }
}

/**
 * `paths` (files, or dirs for their names) on disk: an fsync each when they are few (a small
 * import publishes one pack and its index), else one syncfs of the file system holding `fs`.
 * Starting `sync -f` is a fork of this process (~10 ms at an import's size) and syncs whatever
 * else the file system holds dirty; an fsync costs a journal commit, which pays from ~5 files
 * on (the per-blob fsyncs that were most of an import's time: a 690 MB tree, 10k chunks, 6.7 s
 * of 17.8 s).
 */
async function durable(paths: string[], fs: string): Promise<void> {
  if (paths.length <= FEW_FSYNCS || !(await syncfs(fs))) await fsyncAll(paths)
}

const FEW_FSYNCS = 4

/** syncfs(2) of the file system holding `path`, through coreutils' `sync -f`; false if unavailable. */
export function syncfs(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('sync', ['-f', path], { stdio: 'ignore' })
    p.on('error', () => resolve(false))
    p.on('exit', (code) => resolve(code === 0))
  })
}

async function fsyncAll(paths: string[]): Promise<void> {
  for (const path of paths) {
    try {
      const fh = await open(path, 'r')
      try {
        await fh.sync()
      } finally {
        await fh.close()
      }
    } catch (e) {
      throw ioError(e, path, 'fsync')
    }
  }
}
