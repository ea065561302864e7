// Deltas in the content store (lib/codec/delta holds the format, sketch, index and planner):
//   read   every decode gets the store's DeltaBases: a delta's chain is read through the same
//          lookup as any blob (packs, then loose, then packs/ again), each base verified, the
//          recently decoded bases kept (a version series read in order rebuilds each once);
//   write  a chunk batch plans each new chunk against the resemblance index (cache/resemblance,
//          shared by every import of the store) and the batch's own recent chunks, and stores it
//          as a delta when that is smaller (codec.encodeMany's bases, on the worker threads:
//          node:zlib only; the portable codec writes whole chunks and plans nothing);
//   keep   gc keeps the base of every delta that stays on disk (withBases below): a delta is
//          only ever readable with its whole chain.
// The index is a cache: a failure to read or write it costs compression, never an import.

import { existsSync } from 'node:fs'
import { Codes, isStoreError } from '../errors.js'
import type { Digest } from '../digest/digest.js'
import { DELTA_HEAD, createBaseCache, createPlanner, deltaRef, loadSketcher, storedDepth, type DeltaBases, type DeltaPlan, type DeltaPlanner, type ResemblanceIndex } from '../codec/delta/index.js'
import { openResemblanceIndex } from '../codec/delta/resemblanceIndex.js'
import { notFound, type CasContext } from './_context.js'
import { ENTRY_HEAD_SIZE } from './_packFormat.js'
import type { Pack } from './_packSet.js'
import { lookup, decodeWhole } from './readBlob.js'
import { readLoose } from './readBlobLoose.js'
import { readPacked } from './readBlobPacked.js'

/** The store's reads, as a delta's chain needs them. */
export function deltaBases(ctx: CasContext): DeltaBases {
  return {
    async readStored(d, below) {
      const stored = await lookup(ctx, d, (loc) => readPacked(ctx, d, loc), () => readLoose(ctx, d).catch((e) => (isStoreError(e, Codes.BLOB_NOT_FOUND) ? undefined : Promise.reject(e))))
      if (!stored) throw notFound(d)
      if (below === undefined || depthOf(stored) < below) return stored
      return (await shallowerCopy(ctx, d, below)) ?? stored
    },
    sha256: (b) => ctx.hash.sha256(b),
    cache: createBaseCache(),
  }
}

/** A stored blob's depth; a damaged head counts as too deep (the caller names it). */
function depthOf(stored: Uint8Array): number {
  try {
    return storedDepth(stored)
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/**
 * Another copy of `d` stored at a depth under `below`, or undefined. The lookup table keeps
 * one copy per digest; two imports at once can each pack the same chunk (each as a delta
 * against a chunk the other stored whole), so every pack and the loose file are asked. Whole
 * copies (the index's flag says so) are read first. Rare: only a chain that met such a pair.
 */
async function shallowerCopy(ctx: CasContext, d: Digest, below: number): Promise<Uint8Array | undefined> {
  await ctx.packs.refresh()
  const digest = Buffer.from(d.slice(7), 'hex')
  const found = ctx.packs.list().flatMap((pack) => {
    const i = pack.index.find(digest)
    return i < 0 ? [] : [{ pack, i, offset: pack.index.offset(i), length: pack.index.length(i) }]
  })
  found.sort((a, b) => Number(a.pack.index.isDelta(a.i)) - Number(b.pack.index.isDelta(b.i)))
  for (const loc of found) {
    const stored = await readPacked(ctx, d, loc).catch(() => undefined) // a copy gone or damaged: the next
    if (stored && depthOf(stored) < below) return stored
  }
  const loose = await readLoose(ctx, d).catch(() => undefined)
  return loose && depthOf(loose) < below ? loose : undefined
}

/** Whether this store writes deltas: the native codec, unless the store's `deltas` is off (STORE_DELTA=0). */
export const writesDeltas = (ctx: CasContext): boolean => ctx.codec.name === 'zlib' && ctx.deltas !== false

/** One resemblance index per store and process, opened on first use; undefined if it cannot be. */
const indexes = new WeakMap<CasContext, Promise<ResemblanceIndex | undefined>>()

function resemblanceIndex(ctx: CasContext): Promise<ResemblanceIndex | undefined> {
  let ix = indexes.get(ctx)
  if (!ix) {
    ix = openResemblanceIndex(ctx.layout.resemblanceDir).catch(() => undefined)
    indexes.set(ctx, ix)
  }
  return ix
}

/** What a chunk batch asks of deltas: a plan per new chunk, its outcome, and a flush at commit. */
export interface BatchDeltas {
  plan(data: Uint8Array): Promise<DeltaPlan | undefined>
  written(digest: Digest, plan: DeltaPlan | undefined, depth: number, data: Uint8Array): void
  /** Persists the index rows of this batch; never throws (a cache). */
  flush(): Promise<void>
}

/** Deltas for one chunk batch, or undefined when this store writes none. */
export async function batchDeltas(ctx: CasContext): Promise<BatchDeltas | undefined> {
  if (!writesDeltas(ctx)) return undefined
  const [index, sketcher] = await Promise.all([resemblanceIndex(ctx), loadSketcher().catch(() => undefined)])
  if (!index || !sketcher) return undefined
  const planner: DeltaPlanner = createPlanner({
    sketcher,
    index,
    // A committed candidate: its content (verified, as every read) and depth; undefined when it
    // is gone or unreadable (collected since, or its chain broken: then it is no base).
    async base(d) {
      // Not stored (most often a chunk of this batch that left the planner's window: readable
      // only after the commit): said by the pack table and one access(), where a read failed
      // asynchronously (0.34 s of the main thread on /usr/share).
      if (!ctx.packs.find(d.slice(7)) && !existsSync(ctx.layout.blob(d))) return undefined
      try {
        const stored = await ctx.bases.readStored(d)
        return { content: await decodeWhole(ctx, d, stored), depth: storedDepth(stored) }
      } catch {
        return undefined
      }
    },
  })
  return {
    plan: (data) => planner.plan(data),
    written: (digest, plan, depth, data) => plan && planner.written(digest, plan, depth, data),
    flush: () => planner.flush().catch(() => {}),
  }
}

/**
 * The resemblance index rewritten without rows of chunks a sweep by `live` removed (gc, under
 * its lock: no writer adds rows meanwhile). A cache: any failure leaves it as it was.
 */
export async function compactResemblance(ctx: CasContext, live: (d: Digest) => boolean): Promise<void> {
  if (!existsSync(ctx.layout.resemblanceDir)) return
  try {
    const index = await resemblanceIndex(ctx)
    await index?.compact(live)
  } catch {
    // stale rows cost a failed base lookup each, never a wrong byte
  }
}

/**
 * `live` grown by the bases of every delta that stays on disk after a sweep by it: a delta is
 * kept when it is live, or when its pack is kept whole (a mostly live pack keeps its dead
 * entries, and a later import may find and reuse such a chunk), so its chain must stay
 * readable too. `remains(p, live)` says which entries of pack p a sweep by `live` leaves. Grows
 * until nothing changes (a base added can keep a pack whole, which keeps more deltas). Only
 * deltas' heads are read (the index flags them).
 */
export async function withBases(ctx: CasContext, live: (d: Digest) => boolean, remains: (p: Pack, live: (d: Digest) => boolean) => (i: number) => boolean): Promise<(d: Digest) => boolean> {
  const extra = new Set<Digest>()
  const grown = (d: Digest) => extra.has(d) || live(d)
  const baseOf = new Map<string, Digest | null>() // by pack and entry: read once
  for (let changed = true; changed; ) {
    changed = false
    for (const p of ctx.packs.list()) {
      const stays = remains(p, grown)
      for (let i = 0; i < p.index.count; i++) {
        if (!p.index.isDelta(i) || !stays(i)) continue
        const key = `${p.name}:${i}`
        let base = baseOf.get(key)
        if (base === undefined) {
          base = await readBase(ctx, p, i)
          baseOf.set(key, base)
        }
        if (base && !grown(base)) {
          extra.add(base)
          changed = true
        }
      }
    }
  }
  return grown
}

/** The base a packed delta names (its head only: one small pread), or null if it names none. */
async function readBase(ctx: CasContext, p: Pack, i: number): Promise<Digest | null> {
  const head = await ctx.packs.files.use(p.name, async (fh) => {
    const b = new Uint8Array(Math.min(p.index.length(i), DELTA_HEAD))
    const { bytesRead } = await fh.read(b, 0, b.length, p.index.offset(i) + ENTRY_HEAD_SIZE)
    return b.subarray(0, bytesRead)
  })
  try {
    return deltaRef(head)?.base ?? null
  } catch {
    return null // a damaged head: its base is unknown (fsck names the blob)
  }
}
