// fsck's content step, named steps returning what they found:
//   1. packs: each pack's index checked (shape, checksum, order), then the pack read once,
//      front to back (_packScan.ts): every entry matched against the index (the same digest
//      and length at the same offset) and its content decoded and hashed as it streams past;
//   2. loose: every loose blob read and verified.
// Decoding runs on the codec's threads (node:zlib: libuv's pool) while this thread reads and
// hashes: both cores busy. A problem names the blob (its digest) wherever one can be named.

import { readdir, readFile } from 'node:fs/promises'
import type { Digest } from '../digest/digest.js'
import { errno, ioError, type CasContext } from './_context.js'
import { compareDigests, isDeltaByte } from './_packFormat.js'
import { indexShape, parseIndex, toHex, type PackIndex } from './_packIndex.js'
import { scanPack } from './_packScan.js'
import { decodeWholeMany, getStream } from './readBlob.js'
import type { CasProblem, VerifyStats } from './types.js'
import { walkLoose } from './walk.js'

/** Entries decoded per batch, and batches in flight at once: enough to keep the codec's threads busy. */
const BATCH_BYTES = 1 << 20
const BATCH_ENTRIES = 1024
const BATCHES = 2

export async function verify(ctx: CasContext, onProgress?: (msg: string) => void): Promise<VerifyStats> {
  const stats: VerifyStats = { packs: 0, packedBlobs: 0, looseBlobs: 0, bytes: 0, problems: [] }
  await ctx.packs.refresh() // what later steps read (fsck's layers) is what is on disk now
  const names = (await readdir(ctx.layout.packsDir).catch((e) => (errno(e) === 'ENOENT' ? [] : Promise.reject(ioError(e, ctx.layout.packsDir, 'scandir')))))
    .map((f) => /^([0-9a-f]{64})\.idx$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort()
  for (const [i, name] of names.entries()) {
    onProgress?.(`checking packs: ${i} of ${names.length} (${stats.packedBlobs} blobs)`)
    await verifyPack(ctx, name, stats)
  }
  onProgress?.(`checked ${stats.packs} packs (${stats.packedBlobs} blobs)`)
  await verifyLoose(ctx, stats)
  onProgress?.(`checked ${stats.looseBlobs} loose blobs`)
  return stats
}

/** 1. One pack: its index, then its entries in file order. */
async function verifyPack(ctx: CasContext, name: string, stats: VerifyStats): Promise<void> {
  stats.packs++
  const problem = (kind: CasProblem['kind'], id: string, message: string) => stats.problems.push({ kind, id, message })
  const where = (offset: number) => `in pack ${name} at offset ${offset}`
  const index = await loadIndex(ctx, name, (m) => problem('pack', name, m))
  const n = index?.count ?? 0
  stats.packedBlobs += n
  // Index entries in offset order, walked beside the pack's entries.
  const byOffset = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => index!.offset(a) - index!.offset(b))
  let k = 0
  const unmatched = (upTo: number) => {
    for (; k < n && index!.offset(byOffset[k]) < upTo; k++) {
      const i = byOffset[k]
      problem('blob', `sha256:${index!.hex(i)}`, `pack ${name}'s index puts it at offset ${index!.offset(i)}, where no entry starts`)
    }
  }
  // Entries are decoded in batches (one codec call for a run of zstd blobs), a few batches at a time.
  const decoding = new Set<Promise<void>>()
  let batch: { d: Digest; offset: number; stored: Uint8Array }[] = []
  let batchBytes = 0
  const flush = async () => {
    const b = batch
    batch = []
    batchBytes = 0
    const p = decodeWholeMany(ctx, b.map((x) => x.d), b.map((x) => x.stored)).then((rs) =>
      rs.forEach((r, j) => {
        if (r instanceof Uint8Array) stats.bytes += r.length
        else problem('blob', b[j].d, `${where(b[j].offset)}: ${r.message}`)
      }),
    )
    decoding.add(p)
    p.finally(() => decoding.delete(p))
    if (decoding.size >= BATCHES) await Promise.race(decoding)
  }
  try {
    for await (const e of scanPack(ctx.layout.pack(name), name)) {
      const d = `sha256:${toHex(e.digest)}` as Digest
      unmatched(e.offset)
      if (k < n && index!.offset(byOffset[k]) === e.offset) {
        const i = byOffset[k++]
        if (compareDigests(index!.bytes, index!.digestAt(i), e.digest, 0) !== 0) {
          problem('blob', `sha256:${index!.hex(i)}`, `pack ${name}'s index puts it at offset ${e.offset}, where ${d} is`)
        } else if (index!.length(i) !== e.stored.length) {
          problem('blob', d, `${where(e.offset)}: its index says ${index!.length(i)} bytes, the pack ${e.stored.length}`)
        } else if (index!.isDelta(i) !== isDeltaByte(e.stored[0] ?? 0)) {
          // gc keeps a delta's base by this flag: a wrong one could let it drop a base.
          problem('blob', d, `${where(e.offset)}: its index says it is ${index!.isDelta(i) ? '' : 'not '}a delta, the pack that it is${index!.isDelta(i) ? ' not' : ''}`)
        }
      } else if (index) problem('blob', d, `${where(e.offset)}: not in the pack's index`)
      batch.push({ d, offset: e.offset, stored: e.stored })
      batchBytes += e.stored.length
      if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_ENTRIES) await flush()
    }
  } catch (e) {
    problem('pack', name, (e as Error).message)
  }
  if (batch.length > 0) await flush()
  await Promise.all(decoding)
  unmatched(Infinity)
}

/** The index of pack `name`, checked; a damaged one is reported and, if its shape holds, still used to name blobs. */
async function loadIndex(ctx: CasContext, name: string, report: (m: string) => void): Promise<PackIndex | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(ctx.layout.packIndex(name))
  } catch (e) {
    report(ioError(e, ctx.layout.packIndex(name), 'read').message)
    return undefined
  }
  let index: PackIndex | undefined
  try {
    index = parseIndex(bytes, name, (b) => Buffer.from(ctx.hash.sha256(b).slice(7), 'hex'))
  } catch (e) {
    report((e as Error).message)
    // The checksum failed, but if the shape holds the entries still name what the pack holds.
    return (() => {
      try {
        return indexShape(bytes, name)
      } catch {
        return undefined
      }
    })()
  }
  // What the checksum cannot show: a writer's mistake in the order or the fanout.
  const perByte = new Uint32Array(256)
  for (let i = 0; i < index.count; i++) {
    perByte[index.bytes[index.digestAt(i)]]++
    if (i > 0 && compareDigests(index.bytes, index.digestAt(i - 1), index.bytes, index.digestAt(i)) > 0) {
      report(`index of pack ${name} is out of order at entry ${i}: lookups can miss its blobs`)
      return index
    }
  }
  for (let b = 0, sum = 0; b < 256; b++) {
    if ((sum += perByte[b]) !== index.fanout(b)) {
      report(`index of pack ${name} has a fanout table that does not match its digests`)
      break
    }
  }
  return index
}

/** 2. Loose blobs, a few at a time; a large one streamed. */
async function verifyLoose(ctx: CasContext, stats: VerifyStats): Promise<void> {
  const running = new Set<Promise<void>>()
  for await (const hex of walkLoose(ctx)) {
    const d = `sha256:${hex}` as Digest
    stats.looseBlobs++
    const p = (async () => {
      try {
        for await (const b of getStream(ctx, d)) stats.bytes += b.length
      } catch (e) {
        stats.problems.push({ kind: 'blob', id: d, message: (e as Error).message })
      }
    })()
    running.add(p)
    p.finally(() => running.delete(p))
    if (running.size >= 8) await Promise.race(running)
  }
  await Promise.all(running)
}
