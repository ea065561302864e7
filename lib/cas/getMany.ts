// getMany(): blobs in the order asked, each verified as get() verifies, read ahead. Neighbouring
// packed entries are read in one pread (a run): a layer's chunks were appended to its pack in
// nearly the order its tar needs them, so rebuilding a tar of 300,000 small files costs a few
// hundred reads, not 300,000 (each async read is a round trip to libuv's threadpool). Anything
// not in a loaded pack (loose, or in a pack published since) is read by get().

import type { Digest } from '../digest/digest.js'
import { ENTRY_HEAD_SIZE } from './_packFormat.js'
import type { Located } from './_packSet.js'
import { decodeWholeMany, get } from './readBlob.js'
import { checkHead } from './readBlobPacked.js'
import { errno, ioError, type CasContext } from './_context.js'

/**
 * A run spans at most RUN_MAX bytes of a pack and RUN_ENTRIES entries (each entry of a run in
 * flight is a promise: bounded, so 300,000 small blobs never are at once), and skips at most
 * GAP bytes between entries.
 */
const RUN_MAX = 1 << 20
const RUN_ENTRIES = 1024
const GAP = 64 << 10
/** Read ahead of the consumer: at most this many stored bytes (plus one run), in at most RUNS runs. */
const AHEAD = 4 << 20
const RUNS = 2

interface Item {
  d: Digest
  loc?: Located
}

interface Run {
  items: Item[]
  start: number
  end: number
}

export async function* getMany(ctx: CasContext, digests: readonly Digest[]): AsyncGenerator<Uint8Array> {
  await ctx.packs.ready()
  const runs = plan(ctx, digests)
  const pending: { run: Run; out: Promise<Promise<Uint8Array>[]> }[] = []
  let next = 0
  let inFlight = 0
  const fill = () => {
    while (next < runs.length && (pending.length === 0 || (inFlight < AHEAD && pending.length < RUNS))) {
      const run = runs[next++]
      inFlight += run.end - run.start
      const out = read(ctx, run)
      out.catch(() => {}) // surfaces when its turn comes
      pending.push({ run, out })
    }
  }
  try {
    fill()
    while (pending.length > 0) {
      const { run, out } = pending.shift()!
      const blobs = await out
      inFlight -= run.end - run.start
      fill()
      for (const b of blobs) yield await b
    }
  } finally {
    for (const p of pending) p.out.then((bs) => bs.forEach((b) => b.catch(() => {})), () => {})
  }
}

/** Consecutive digests grouped into runs: neighbours in one pack share a run, others get their own. */
function plan(ctx: CasContext, digests: readonly Digest[]): Run[] {
  const runs: Run[] = []
  let cur: Run | undefined
  for (const d of digests) {
    const loc = ctx.packs.find(d.slice(7))
    if (!loc) {
      runs.push((cur = { items: [{ d }], start: 0, end: 0 }))
      cur = undefined
      continue
    }
    const start = loc.offset
    const end = loc.offset + ENTRY_HEAD_SIZE + loc.length
    const last = cur?.items[cur.items.length - 1].loc
    if (
      cur && last && last.pack === loc.pack && cur.items.length < RUN_ENTRIES &&
      start <= cur.end + GAP && end >= cur.start - GAP &&
      Math.max(cur.end, end) - Math.min(cur.start, start) <= RUN_MAX
    ) {
      cur.items.push({ d, loc })
      cur.start = Math.min(cur.start, start)
      cur.end = Math.max(cur.end, end)
    } else runs.push((cur = { items: [{ d, loc }], start, end }))
  }
  return runs
}

/** The run's blobs, each promise already handled: an error surfaces when its blob's turn comes. */
async function read(ctx: CasContext, run: Run): Promise<Promise<Uint8Array>[]> {
  const out = await readRun(ctx, run)
  for (const p of out) p.catch(() => {})
  return out
}

/** One pread for the run, then its entries decoded together (on the codec's threads). */
async function readRun(ctx: CasContext, run: Run): Promise<Promise<Uint8Array>[]> {
  const first = run.items[0].loc
  if (!first) return run.items.map((it) => get(ctx, it.d))
  const buf = new Uint8Array(run.end - run.start)
  let got: number
  try {
    got = await ctx.packs.files.use(first.pack.name, async (fh) => (await fh.read(buf, 0, buf.length, run.start)).bytesRead)
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw ioError(e, ctx.layout.pack(first.pack.name), 'read')
    ctx.packs.drop([first.pack.name])
    return run.items.map((it) => get(ctx, it.d)) // gone (repacked by gc): found anew
  }
  // Entries read whole and headed as the index says are decoded together; others say why by get().
  const out: Promise<Uint8Array>[] = new Array(run.items.length)
  const whole: number[] = []
  run.items.forEach(({ d, loc }, i) => {
    const at = loc!.offset - run.start
    const entry = buf.subarray(at, Math.min(got, at + ENTRY_HEAD_SIZE + loc!.length))
    try {
      if (entry.length < ENTRY_HEAD_SIZE + loc!.length) throw new Error('short read')
      checkHead(d, loc!, entry)
      whole.push(i)
    } catch {
      out[i] = get(ctx, d)
    }
  })
  const decoded = decodeWholeMany(
    ctx,
    whole.map((i) => run.items[i].d),
    whole.map((i) => buf.subarray(run.items[i].loc!.offset - run.start + ENTRY_HEAD_SIZE, run.items[i].loc!.offset - run.start + ENTRY_HEAD_SIZE + run.items[i].loc!.length)),
  )
  whole.forEach((i, k) => (out[i] = decoded.then((rs) => (rs[k] instanceof Uint8Array ? rs[k] : Promise.reject(rs[k])))))
  return out
}
