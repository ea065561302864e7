// gc's content step (the caller holds the gc lock and no writer is live), named steps returning
// what they did. Live is what the caller marked, and the base of every delta that stays on
// disk (_deltas.ts withBases: a delta is readable only with its chain):
//   1. loose:   every loose blob that is not live is deleted;
//   2. packs:   a pack with nothing live is deleted (its index first: the pack is then invisible);
//               one under half live (by bytes) is repacked: its live entries copied, verified,
//               into new packs, published (durable) before the old pack is deleted; a mostly
//               live pack is kept as it is (rewriting 60 % to free 40 % is not worth the I/O),
//               its dead bytes reported as `deadKept`;
//   3. orphans: a pack without an index (a write killed between the two links), an index
//               without a pack;
//   4. the resemblance index loses the rows of chunks no longer stored (a cache: best effort).

import { readdir, unlink } from 'node:fs/promises'
import type { Digest } from '../digest/digest.js'
import { errno, ioError, type CasContext } from './_context.js'
import { ENTRY_HEAD_SIZE, PACK_HEADER_SIZE, indexSize } from './_packFormat.js'
import { toHex } from './_packIndex.js'
import { scanPack } from './_packScan.js'
import type { Pack } from './_packSet.js'
import { PackWriter } from './_packWriter.js'
import { publish } from './_publish.js'
import { decodeWhole } from './readBlob.js'
import { compactResemblance, withBases } from './_deltas.js'
import type { SweepStats } from './types.js'
import { allocated } from './usage.js'
import { walkLoose } from './walk.js'

/** A pack is repacked when less than this share of its bytes is live. */
const REPACK_BELOW = 0.5

export async function sweep(ctx: CasContext, given: (d: Digest) => boolean): Promise<SweepStats> {
  const stats: SweepStats = { looseDeleted: 0, packsDeleted: 0, packsRepacked: 0, entriesDropped: 0, reclaimed: 0, deadKept: 0, orphans: 0 }
  await ctx.packs.refresh()
  const live = await withBases(ctx, given, remains)
  await sweepLoose(ctx, live, stats)
  for (const p of [...ctx.packs.list()]) await sweepPack(ctx, p, live, stats)
  await sweepOrphans(ctx, stats)
  if (stats.entriesDropped + stats.looseDeleted > 0) await compactResemblance(ctx, live) // only when chunks went
  return stats
}

/** 1. */
async function sweepLoose(ctx: CasContext, live: (d: Digest) => boolean, stats: SweepStats): Promise<void> {
  for await (const hex of walkLoose(ctx)) {
    const d = `sha256:${hex}` as Digest
    if (live(d)) continue
    stats.reclaimed += await removeFile(ctx.layout.blob(d))
    stats.looseDeleted++
  }
}

/** What sweep() does with a pack: its live entries (by offset) and bytes decide. */
interface PackPlan {
  action: 'delete' | 'repack' | 'keep'
  keep: Set<number>
  liveBytes: number
  total: number
}

function planPack(p: Pack, live: (d: Digest) => boolean): PackPlan {
  const ix = p.index
  const keep = new Set<number>()
  let total = 0
  let liveBytes = 0
  for (let i = 0; i < ix.count; i++) {
    const bytes = ENTRY_HEAD_SIZE + ix.length(i)
    total += bytes
    if (live(`sha256:${ix.hex(i)}`)) {
      keep.add(ix.offset(i))
      liveBytes += bytes
    }
  }
  const action = keep.size === 0 ? 'delete' : liveBytes < total * REPACK_BELOW ? 'repack' : 'keep'
  return { action, keep, liveBytes, total }
}

/** Which entries of `p` a sweep by `live` leaves on disk: all of a kept pack, the live ones of a repacked one. */
function remains(p: Pack, live: (d: Digest) => boolean): (i: number) => boolean {
  const plan = planPack(p, live)
  if (plan.action === 'keep') return () => true
  if (plan.action === 'delete') return () => false
  return (i) => plan.keep.has(p.index.offset(i))
}

/** 2. */
async function sweepPack(ctx: CasContext, p: Pack, live: (d: Digest) => boolean, stats: SweepStats): Promise<void> {
  const plan = planPack(p, live)
  if (plan.action === 'delete') {
    stats.reclaimed += await removePack(ctx, p.name)
    stats.packsDeleted++
    stats.entriesDropped += p.index.count
  } else if (plan.action === 'repack' && (await repack(ctx, p, plan.keep, stats))) {
    stats.packsRepacked++
    stats.entriesDropped += p.index.count - plan.keep.size
  } else stats.deadKept += plan.total - plan.liveBytes
}

/**
 * The bytes sweep(live) would free, changing nothing (`system df`'s Build Cache row): loose
 * files and wholly dead packs by their allocated blocks, a repack by its pack's blocks less
 * those of the pack it would write (in 4 KiB blocks).
 */
export async function reclaimable(ctx: CasContext, given: (d: Digest) => boolean): Promise<number> {
  let bytes = 0
  await ctx.packs.refresh()
  const live = await withBases(ctx, given, remains)
  for await (const hex of walkLoose(ctx)) if (!live(`sha256:${hex}`)) bytes += allocated(ctx.layout.blob(`sha256:${hex}`))
  for (const p of ctx.packs.list()) {
    const plan = planPack(p, live)
    if (plan.action === 'keep') continue
    const now = allocated(ctx.layout.pack(p.name)) + allocated(ctx.layout.packIndex(p.name))
    const after = plan.action === 'delete' ? 0 : blocks(PACK_HEADER_SIZE + plan.liveBytes) + blocks(indexSize(plan.keep.size))
    bytes += Math.max(0, now - after)
  }
  return bytes
}

const blocks = (n: number) => Math.ceil(n / 4096) * 4096

/** Copies the entries at `keep` into new packs, each verified; false (nothing changed) if one fails. */
async function repack(ctx: CasContext, p: Pack, keep: Set<number>, stats: SweepStats): Promise<boolean> {
  const writer = new PackWriter(ctx)
  try {
    let copied = 0
    for await (const e of scanPack(ctx.layout.pack(p.name), p.name)) {
      if (!keep.has(e.offset)) continue
      await decodeWhole(ctx, `sha256:${toHex(e.digest)}`, e.stored) // a damaged copy stays where it is, for fsck to name
      writer.append(e.digest, [e.stored])
      copied++
    }
    if (copied !== keep.size) throw new Error('pack and index disagree')
    writer.seal()
    await publish(ctx, writer.sealed, [])
  } catch {
    writer.abort()
    return false
  }
  for (const s of writer.sealed) stats.reclaimed -= allocated(ctx.layout.pack(s.index.name)) + allocated(ctx.layout.packIndex(s.index.name))
  stats.reclaimed += await removePack(ctx, p.name)
  return true
}

/** Deletes a pack, its index first (so no reader finds a pack half gone). Returns the bytes freed. */
async function removePack(ctx: CasContext, name: string): Promise<number> {
  const freed = (await removeFile(ctx.layout.packIndex(name))) + (await removeFile(ctx.layout.pack(name)))
  ctx.packs.drop([name])
  return freed
}

/** 3. */
async function sweepOrphans(ctx: CasContext, stats: SweepStats): Promise<void> {
  const names = new Set(await readdir(ctx.layout.packsDir).catch(() => [] as string[]))
  for (const f of names) {
    const m = /^([0-9a-f]{64})\.(pack|idx)$/.exec(f)
    if (!m || names.has(`${m[1]}.${m[2] === 'pack' ? 'idx' : 'pack'}`)) continue
    stats.reclaimed += await removeFile(`${ctx.layout.packsDir}/${f}`)
    stats.orphans++
  }
}

/** Unlinks a file; its allocated bytes (0 if it was gone). */
async function removeFile(path: string): Promise<number> {
  const bytes = allocated(path)
  try {
    await unlink(path)
  } catch (e) {
    if (errno(e) === 'ENOENT') return 0
    throw ioError(e, path, 'unlink')
  }
  return bytes
}
