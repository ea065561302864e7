// store against the backup and dedup tools on the same inputs (issue 12, item 6): per data set,
// each tool ingests the versions in order into one repository of its own (where dedup across
// versions shows): store import, restic backup, borg create (zstd,3), casync make, and
// `tar | zstd -3` (one archive per version, no dedup: the plain baseline). Interleaved (every
// tool's v1, then every tool's v2, …; the tools' order rotates by one each round), page cache
// warmed first, STORE_BENCH_ROUNDS (3) rounds on fresh repositories. Per tool, the medians of
// the rounds: stored bytes (`du -sb` of its repository), allocated bytes (`du -B1`; store does not
// report them itself), wall time of all ingests, input MB/s, the peak RSS of any one ingest, and
// peer/store for bytes and wall (> 1: store is better). After each round store's images are
// inspected and `store fsck` must exit 0, else the bench aborts. On an OS tree, store also
// re-imports the unchanged folder reading every file (STORE_IMPORT_MEMO=0): its time against the
// first import's. Tools not installed are skipped with a note.
// Data sets (built once, see _peersData.ts): STORE_BENCH_PATCH and STORE_BENCH_MINOR
// (NAME@V1,V2,…), STORE_BENCH_OS_TREE (folders, comma-separated: one data set each; default
// /usr/lib/x86_64-linux-gnu and /usr/share), STORE_BENCH_PEERS=patch,minor,os picks some.
// STORE_BENCH_QUICK=1: two versions, one round, a small OS folder (about a minute).
// Run: npm run build && npm run bench peers   (in full: 15 min on this machine at load 11; ~9 at load 5)

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_MINOR, DEFAULT_OS, DEFAULT_PATCH, npmSeries, osTree, warm, type DataSet } from './_peersData.js'
import { markdown } from './_markdown.js'
import { diskUse, measure, median, rssMethod } from './_peersRun.js'
import { storeCommand, TOOLS, type Tool } from './_peersTools.js'

interface Sample {
  seconds: number
  rssMB: number
  stored: number
  allocated: number
}

const QUICK = process.env.STORE_BENCH_QUICK === '1'
const MB = (n: number) => (n / 1e6).toFixed(1)
const x = (n: number) => n.toFixed(2)

async function rounds(set: DataSet, tools: Tool[], n: number, work: string): Promise<{ samples: Map<Tool, Sample[]>; reread: Sample[]; fsck: number[] }> {
  const samples = new Map(tools.map((t) => [t, [] as Sample[]]))
  const reread: Sample[] = []
  const fsck: number[] = []
  for (let r = 0; r < n; r++) {
    const t0 = performance.now()
    const order = [...tools.slice(r % tools.length), ...tools.slice(0, r % tools.length)]
    const base = join(work, `round-${r}`)
    const dirs = new Map(tools.map((t, i) => [t, { repo: join(base, `${i}`, 'repo'), aux: join(base, `${i}`, 'aux') }]))
    for (const t of tools) {
      const { repo, aux } = dirs.get(t)!
      mkdirSync(aux, { recursive: true })
      const init = t.init(repo, aux)
      if (init.length === 0) mkdirSync(repo)
      for (const c of init) await measure(c)
    }
    const acc = new Map(tools.map((t) => [t, { seconds: 0, rssMB: 0 }]))
    for (const v of set.versions) {
      for (const t of order) {
        const m = await measure(t.ingest(dirs.get(t)!.repo, dirs.get(t)!.aux, v.dir, v.tag))
        const a = acc.get(t)!
        a.seconds += m.seconds
        a.rssMB = Math.max(a.rssMB, m.rssMB)
      }
    }
    for (const t of tools) samples.get(t)!.push({ ...acc.get(t)!, ...diskUse(dirs.get(t)!.repo) })
    // The result checked: every version is an image, and the whole store verifies.
    const root = dirs.get(tools[0])!.repo
    await measure(storeCommand(root, ['inspect', ...set.versions.map((v) => `peers:${v.tag}`)]))
    if (set.reread) {
      const m = await measure(storeCommand(root, ['import', set.versions[0].dir, 'peers:reread'], { STORE_IMPORT_MEMO: '0' }))
      reread.push({ ...m, stored: 0, allocated: 0 })
    }
    const f = await measure(storeCommand(root, ['fsck'])).catch((e: Error) => {
      throw new Error(`peers: store fsck failed after round ${r + 1} of ${set.name}: ${e.message}`)
    })
    fsck.push(f.seconds)
    console.log(`  round ${r + 1}/${n}: ${((performance.now() - t0) / 1000).toFixed(0)} s, store fsck clean (${f.seconds.toFixed(1)} s)`)
    rmSync(base, { recursive: true, force: true })
  }
  return { samples, reread, fsck }
}

function report(set: DataSet, tools: Tool[], res: Awaited<ReturnType<typeof rounds>>, n: number): void {
  const input = set.versions.reduce((s, v) => s + v.bytes, 0)
  const med = (t: Tool, k: keyof Sample) => median(res.samples.get(t)!.map((s) => s[k]))
  const store = tools[0]
  const ratio = (t: Tool, k: keyof Sample) => (t === store ? '' : x(med(t, k) / med(store, k)))
  const rows = tools.map((t) => ({
    tool: t.name,
    'stored MB': MB(med(t, 'stored')),
    'allocated MB': MB(med(t, 'allocated')),
    '× smaller': x(input / med(t, 'stored')),
    'wall s': x(med(t, 'seconds')),
    'MB/s': MB(input / med(t, 'seconds')),
    'peak RSS MB': Math.round(med(t, 'rssMB')).toString(),
    'stored peer/store': ratio(t, 'stored'),
    'wall peer/store': ratio(t, 'seconds'),
  }))
  const files = set.versions.reduce((s, v) => s + v.files, 0)
  console.log(`\n${set.name}: ${set.versions.length} version(s), input ${MB(input)} MB in ${files.toLocaleString('en')} files, ${n} round(s), medians (MB = 10^6 bytes)\n`)
  console.log(markdown(rows))
  if (res.reread.length > 0) {
    const s = median(res.reread.map((r) => r.seconds))
    const rss = Math.round(median(res.reread.map((r) => r.rssMB)))
    console.log(`\nstore re-import of the unchanged tree, every file re-read (STORE_IMPORT_MEMO=0): ${x(s)} s, ${MB(input / s)} MB/s, peak RSS ${rss} MB: ${x(med(store, 'seconds') / s)}× faster than the first import`)
  }
  console.log(`store fsck after each round: clean, median ${x(median(res.fsck))} s`)
}

export default async function run(): Promise<void> {
  const n = QUICK ? 1 : Number(process.env.STORE_BENCH_ROUNDS ?? 3)
  if (!TOOLS[0].version) throw new Error('peers: the built CLI does not run (npm run build)')
  for (const t of TOOLS) if (!t.version) console.log(`peers: ${t.name} is not installed, skipped (apt-get install restic borgbackup casync zstd)`)
  const tools = TOOLS.filter((t) => t.version)
  console.log(`node ${process.version}; peak RSS by ${rssMethod}`)
  for (const t of tools) console.log(`  ${t.name}: ${t.version}`)

  const want = (process.env.STORE_BENCH_PEERS ?? 'patch,minor,os').split(',')
  const sets: DataSet[] = [] // all built before anything is timed
  if (want.includes('patch')) sets.push(npmSeries('patch series', process.env.STORE_BENCH_PATCH ?? DEFAULT_PATCH))
  if (want.includes('minor')) sets.push(npmSeries('minor series', process.env.STORE_BENCH_MINOR ?? DEFAULT_MINOR))
  if (want.includes('os')) for (const dir of (process.env.STORE_BENCH_OS_TREE ?? DEFAULT_OS).split(',')) sets.push(osTree(dir))

  const work = mkdtempSync(join(tmpdir(), 'store-bench-peers-'))
  try {
    for (const set of sets) {
      console.log(`\n${set.name}: ${set.label}`)
      for (const v of set.versions) console.log(`  ${v.tag}: ${MB(v.bytes)} MB, ${v.files.toLocaleString('en')} files`)
      warm(set)
      const res = await rounds(set, tools, n, work)
      report(set, tools, res, n)
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
