// Deltas across versions (issue 12, item 4): what storing a new chunk as a delta against a
// resembling stored one saves on real version series, and what it costs. Data: consecutive
// releases of npm packages (bench/_versions.ts: `npm pack`, cached), imported in order into a
// simulated store (bench/_deltaSim.ts) with the real chunker, sketch, resemblance index and
// delta format. Per series: input / stored without deltas (zstd 3 on new chunks, the baseline)
// and with chains bounded at 1, 2, 4 (the format's bound) and 8 (sizes only), and at 4 with bases
// from the release itself only within the last 8 MiB written or not at all, beside per-file
// `zstd -3 --patch-from` against the previous release and `zstd -3` of each release's files
// concatenated (what `tar | zstd -3` stores, less headers). Input is file content (no tar
// headers), stored is chunk blobs (no index). Then speeds, on the deltas the bound-4 store
// wrote for the largest series: sketch, encode and decode (per depth, both codec backends),
// and the portable copy/insert format (bench/_copyInsert.ts) on the same (chunk, base) pairs.
// Run: npm run build && npm run bench delta   (needs npm and the zstd CLI; STORE_BENCH_CACHE;
// STORE_BENCH_DELTA_SERIES="prettier minor" runs the named series only, comma-separated)

import * as zlib from 'node:zlib'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Bench } from 'tinybench'
import { loadChunker } from '../lib/chunk/index.js'
import { loadCodec } from '../lib/codec/index.js'
import type { Digest } from '../lib/digest/digest.js'
import { createBaseCache, loadSketcher, storedDepth, type BaseCache, type DeltaBases } from '../lib/codec/delta/index.js'
import { encodeDelta } from '../lib/codec/delta/native.js'
import { applyCopyInsert, copyInsertOps } from './_copyInsert.js'
import { DeltaSim, plainBlob, type ReleaseResult } from './_deltaSim.js'
import { loadRelease, patchFromBytes, wholeZstdBytes, type Release } from './_versions.js'

const minors = (major: number, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${major}.${from + i}.0`)
const SERIES = [
  { name: 'prettier patch', pkg: 'prettier', versions: ['3.8.0', '3.8.1', '3.8.2', '3.8.3'] },
  { name: 'eslint patch', pkg: 'eslint', versions: ['9.39.1', '9.39.2', '9.39.3', '9.39.4'] },
  { name: 'prettier minor', pkg: 'prettier', versions: minors(3, 1, 10) },
  { name: 'eslint minor', pkg: 'eslint', versions: minors(9, 30, 39) },
]
/** Chain bounds (0: no deltas), and how far back in its own release a chunk may find a base. */
const VARIANTS = [
  { label: 'zstd-3 chunks', bound: 0, window: Infinity },
  { label: 'delta ≤1', bound: 1, window: Infinity },
  { label: 'delta ≤2', bound: 2, window: Infinity },
  { label: 'delta ≤4', bound: 4, window: Infinity },
  { label: 'delta ≤8*', bound: 8, window: Infinity },
  { label: '≤4, batch 8 MiB', bound: 4, window: 8 << 20 },
  { label: '≤4, no batch', bound: 4, window: 0 },
]
const MAIN = VARIANTS.findIndex((v) => v.bound === 4)
const MB = (n: number) => +(n / 1e6).toFixed(2)
const ratio = (a: number, b: number) => +(a / b).toFixed(1)
const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0)
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest

export default async function run(): Promise<void> {
  const [chunker, sketcher, tsSketcher] = await Promise.all([loadChunker('wasm'), loadSketcher('wasm'), loadSketcher('ts')])
  const tmp = mkdtempSync(join(tmpdir(), 'store-bench-delta-'))
  const totals: Record<string, unknown>[] = []
  const updates: Record<string, unknown>[] = []
  let speedSim: DeltaSim | undefined
  try {
    const only = process.env.STORE_BENCH_DELTA_SERIES?.split(',')
    for (const s of SERIES.filter((x) => !only || only.includes(x.name))) {
      const releases: Release[] = s.versions.map((v) => loadRelease(s.pkg, v))
      const sims = await Promise.all(VARIANTS.map((v, i) => DeltaSim.open(chunker, sketcher, v.bound, join(tmp, `${s.name}-${i}`.replace(/ /g, '-')), v.window)))
      const results: ReleaseResult[][] = sims.map(() => [])
      for (const r of releases) for (const [i, sim] of sims.entries()) results[i].push(await sim.importRelease(r))
      const patch = releases.map((r, i) => patchFromBytes(releases[i - 1], r))
      const whole = releases.map(wholeZstdBytes)
      const main = results[MAIN]
      const plain = results[0]
      console.log(`\n${s.name}: ${s.pkg} ${s.versions.join(', ')} (bytes of new chunks, bound 4, and the per-file --patch-from reference)`)
      console.table(main.map((r, i) => ({ release: r.version, 'input MB': MB(r.input), 'new chunks': r.newChunks, 'zstd-3 KB': Math.round(plain[i].stored / 1e3), 'delta KB': Math.round(r.stored / 1e3), 'patch-from KB': Math.round(patch[i] / 1e3), 'delta x': ratio(r.input, r.stored), 'patch-from x': ratio(r.input, patch[i]) })))
      const row = (from: number, stats: Record<string, unknown>) => {
        const input = sum(releases.slice(from), (r) => r.bytes)
        const out: Record<string, unknown> = { series: s.name, 'input MB': MB(input) }
        VARIANTS.forEach((v, i) => (out[`${v.label} x`] = ratio(input, sum(results[i].slice(from), (r) => r.stored))))
        out['patch-from x'] = ratio(input, sum(patch.slice(from), (n) => n))
        out['zstd -3 whole x'] = ratio(input, sum(whole.slice(from), (n) => n))
        return { ...out, ...stats }
      }
      const m = main.slice(1)
      totals.push(row(0, { 'stored MB ≤4': MB(sum(main, (r) => r.stored)), 'hits %': Math.round((100 * sum(main, (r) => r.hits)) / sum(main, (r) => r.newChunks)) }))
      const pct = (f: (r: ReleaseResult) => number) => Math.round((100 * sum(m, f)) / Math.max(1, sum(m, (r) => r.newChunks)))
      updates.push(row(1, { 'hits %': pct((r) => r.hits), 'deltas %': pct((r) => r.deltas), 'compared %': pct((r) => r.compared), 'whole won': sum(main, (r) => r.wholeWon) }))
      if (!speedSim || sims[MAIN].pairs.length > speedSim.pairs.length) speedSim = sims[MAIN]
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  console.log('\nwhole series: input / stored (x), * = sizes only (the format bounds chains at 4)')
  console.table(totals)
  console.log('updates only (releases 2..n): input / stored (x)')
  console.table(updates)
  await speeds(speedSim!, chunker, sketcher, tsSketcher)
}

/** Speeds and sizes of each way to store the same (chunk, base) pairs. */
async function speeds(sim: DeltaSim, chunker: Awaited<ReturnType<typeof loadChunker>>, sketcher: Awaited<ReturnType<typeof loadSketcher>>, ts: Awaited<ReturnType<typeof loadSketcher>>): Promise<void> {
  const pairs = sim.pairs
  const chunks = [...sim.store.values()].map((s) => s.content)
  const bytes = (xs: { data: Uint8Array }[]) => sum(xs, (p) => p.data.length)
  const [zlibCodec, wasmCodec] = await Promise.all([loadCodec('zlib'), loadCodec('fflate')])
  const blobs = new Map([...sim.store].map(([d, s]) => [d, s.blob!]))
  const bases: DeltaBases = { readStored: async (d) => blobs.get(d)!, sha256: sha }
  const deltas = pairs.map((p) => ({ ...p, blob: blobs.get(p.digest)! }))
  const byDepth = [1, 2, 3, 4].map((d) => deltas.filter((x) => storedDepth(x.blob) === d)).filter((xs) => xs.length > 0)
  const plains = pairs.map((p) => plainBlob(p.data))
  const ci = pairs.map((p) => zlib.zstdCompressSync(copyInsertOps(p.data, p.base)))
  const l9 = pairs.map((p) => encodeDelta(p.data, { digest: sha(p.base), content: p.base, depth: 0 }, 9))

  // Check before timing: every way round-trips.
  for (const [i, p] of pairs.entries()) {
    const back = applyCopyInsert(zlib.zstdDecompressSync(ci[i]), p.base, p.data.length)
    if (!Buffer.from(back).equals(p.data)) throw new Error('delta bench: copy/insert does not round-trip')
    for (const c of [zlibCodec, wasmCodec]) if (!Buffer.from(await c.decode(deltas[i].blob, bases)).equals(p.data)) throw new Error(`delta bench: ${c.name} does not read a delta back`)
  }
  if (sketcher.sketch(chunks[0]).join() !== ts.sketch(chunks[0]).join()) throw new Error('delta bench: wasm and ts sketches differ')

  const b = new Bench({ name: 'delta', time: 0, iterations: 9, warmupIterations: 2, warmupTime: 0 })
  const n = bytes(pairs)
  const all = sum(chunks, (c) => c.length)
  const rows: [string, number, number?][] = []
  const task = (name: string, size: number, f: () => unknown, stored?: number) => (b.add(name, f), rows.push([name, size, stored]))
  task('chunk + SHA-256 (for scale)', all, () => chunks.forEach((c) => (chunker.cuts(c), sha(c))))
  task('sketch, wasm', all, () => chunks.forEach((c) => sketcher.sketch(c)))
  task('sketch, ts', all, () => chunks.forEach((c) => ts.sketch(c)))
  task('encode whole, zstd 3', n, () => pairs.forEach((p) => plainBlob(p.data)), sum(plains, (x) => x.length))
  task('encode delta, prefix L3 (checked)', n, () => pairs.forEach((p) => encodeDelta(p.data, { digest: p.digest, content: p.base, depth: 0 })), sum(deltas, (x) => x.blob.length))
  task('encode delta, prefix L9 (checked)', n, () => pairs.forEach((p) => encodeDelta(p.data, { digest: p.digest, content: p.base, depth: 0 }, 9)), sum(l9, (x) => x?.length ?? 0))
  task('encode delta, copy/insert + zstd 3', n, () => pairs.forEach((p) => zlib.zstdCompressSync(copyInsertOps(p.data, p.base))), sum(ci, (x) => x.length + 47))
  task('decode whole, zstd 3 (zlib)', n, async () => { for (const s of plains) await zlibCodec.decode(s) })
  task('decode copy/insert (zlib zstd)', n, () => pairs.forEach((p, i) => applyCopyInsert(zlib.zstdDecompressSync(ci[i]), p.base, p.data.length)))
  // Every delta read back in the order written (as exporting each release in turn reads them),
  // with the base cache the content store keeps and without: each chain rebuilt once or each time.
  const inOrder = (cache?: BaseCache) => async () => {
    const b = cache ? { ...bases, cache } : bases
    for (const x of deltas) {
      const content = await zlibCodec.decode(x.blob, b)
      cache?.set(x.digest, content) // the content store's read, once it has checked the digest
    }
  }
  task('decode every delta in order, zlib, no cache', n, inOrder())
  task('decode every delta in order, zlib, 16 MiB cache', n, async () => inOrder(createBaseCache())())
  for (const xs of byDepth) {
    const d = storedDepth(xs[0].blob)
    for (const c of [zlibCodec, wasmCodec]) task(`decode delta depth ${d}, ${c.name} (+${d} verified bases)`, bytes(xs), async () => { for (const x of xs) await c.decode(x.blob, bases) })
  }
  await b.run()
  console.log(`\nspeeds on the ${pairs.length} deltas of the largest series (${(n / 1e6).toFixed(1)} MB of chunks; sketch over all ${chunks.length} new chunks), MB/s of chunk bytes`)
  console.table(rows.map(([name, size, stored]) => ({ task: name, 'MB/s': Math.round(size / 1e6 / (b.getTask(name)!.result!.latency.p50! / 1000)), 'stored KB': stored && Math.round(stored / 1e3) })))
}
