// store against Docker on the same Dockerfiles (issue 13, item 7). One Debian base, made once
// with debootstrap (--variant=minbase, from the mirror the machine's apt sources name), is
// imported into a fresh store and moved to the engine with `store save | docker load`. Then
// every Dockerfile under bench/docker/ (in name order; shared-node and shared-tools share their
// first steps) is built by both: cold (the first build of each into the fresh store and engine;
// the second of the shared pair reuses the pair's common steps, in both), then fully cached
// (STORE_BENCH_ROUNDS rebuilds of each, default 3, median). Each build is one CLI process as a
// user runs it: `store build --network host --progress plain` and `docker build --network host` with the
// legacy builder (DOCKER_BUILDKIT=0: Debian's engine has no buildx); which tool goes first
// alternates from one Dockerfile to the next. Every RUN is apt-get from the mirror, so cold
// times carry the network's moods: both tools fetch the same packages from it.
// Disk: allocated bytes (`du -s -B1`) of the store root and of the engine's data root after all
// builds, and of the store root again after `store system prune` (unused snapshots and their
// pool files dropped). Checked: a rebuild is all cached in both, both reuse the same steps on
// the cold pass, each image has the same Debian packages at the same versions in both
// (`dpkg-query` in a container of each), and `store fsck` is clean at the end.
// From the stamped output lines, where the cold builds' time went (_buildSteps.ts).
// STORE_BENCH_DOCKER=nginx,… builds only those; STORE_BENCH_LOGS=DIR keeps each cold build's
// output there, every line stamped with its time.
// Engine: DOCKER_HOST's, or else dockerd started here on its own socket, data root and exec
// root in the temp folder (TOOLS.md) and stopped after, with every mount and process it left;
// none reachable or startable: the scenario says why and exits non-zero.
// Run: npm run build && npm run bench docker   (needs root, debootstrap, docker.io; ~6 min here)

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { legacySteps, plainSteps, stampedRun, type Build, type Step } from './_buildSteps.js'
import { debianMirror, debootstrap } from './_debianBase.js'
import { docker, NoEngine, openEngine, type Engine } from './_dockerEngine.js'
import { killUnder, unmountUnder } from './_leftovers.js'
import { markdown } from './_markdown.js'
import { median } from './_peersRun.js'
import { STORE_CLI, storeCommand } from './_peersTools.js'

const SUITE = 'bookworm' // the Dockerfiles say FROM debian:bookworm
const DOCKERFILES = fileURLToPath(new URL('../../bench/docker/', import.meta.url)) // from dist/bench/
const ROUNDS = Number(process.env.STORE_BENCH_ROUNDS ?? 3)
const TAG = (name: string) => `store-bench/${name}`

const MB = (n: number) => (n / 1e6).toFixed(0)
const s = (ms: number) => (ms / 1000).toFixed(1)
const x = (n: number) => n.toFixed(2)

interface Tool {
  name: 'store' | 'Docker'
  build(name: string): Promise<Build>
  /** `dpkg-query -W` in a container of the image. */
  packages(name: string): string
}

function sh(argv: string[], env?: Record<string, string>): string {
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.error?.message || '').trim().slice(-2000)}`)
  return r.stdout
}

/** Allocated bytes of `dir` (du -s -B1): what it uses on disk, sparse stubs and all. */
function du(dir: string): number {
  return Number(sh(['du', '-s', '-B1', dir]).split('\t')[0])
}

/** The largest folders directly under `dir`, one du (a hard-linked inode is counted once). */
function duTop(dir: string, n = 4): string {
  const rows = sh(['du', '-B1', '-d1', dir])
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([, p]) => p !== dir)
    .map(([b, p]) => [Number(b), p.slice(dir.length + 1)] as const)
    .sort((a, b) => b[0] - a[0])
  return rows.slice(0, n).map(([b, p]) => `${p} ${MB(b)}`).join(', ')
}

const DPKG = ['dpkg-query', '-W', '-f', '${Package} ${Version}\\n']

function tools(root: string, engine: Engine): [Tool, Tool] {
  const store: Tool = {
    name: 'store',
    build: async (name) => {
      const r = await stampedRun(storeCommand(root, ['build', '--network', 'host', '--progress', 'plain', '-t', TAG(name), join(DOCKERFILES, name)]).argv)
      return { ...r, steps: plainSteps(r.lines).map((st) => ({ ...st, title: st.title.replace(/^\[\d+\/\d+\] /, '') })) }
    },
    packages: (name) => sh(storeCommand(root, ['run', '--rm', '--entrypoint', DPKG[0], TAG(name), ...DPKG.slice(1)]).argv),
  }
  const dockerTool: Tool = {
    name: 'Docker',
    build: async (name) => {
      const r = await stampedRun(['docker', 'build', '--network', 'host', '-t', TAG(name), join(DOCKERFILES, name)], engine.env)
      return { ...r, steps: legacySteps(r.lines, r.ms) }
    },
    packages: (name) => sh(['docker', 'run', '--rm', '--network', 'none', '--entrypoint', DPKG[0], TAG(name), ...DPKG.slice(1)], engine.env),
  }
  return [store, dockerTool]
}

/** RUN and COPY steps (the ones both tools show and cache); `cached` of them. */
const layerSteps = (b: Build) => b.steps.filter((st) => /^(RUN|COPY|ADD) /i.test(st.title))
const cachedCount = (b: Build) => layerSteps(b).filter((st) => st.cached).length

/** Where the cold builds' time went, summed over the Dockerfiles. */
function breakdown(builds: Build[]): string {
  const runs: Step[] = builds.flatMap((b) => layerSteps(b).filter((st) => /^RUN /i.test(st.title) && !st.cached))
  const [talk, mute] = [runs.filter((st) => st.output), runs.filter((st) => !st.output)]
  const sum = (xs: Step[], f: (st: Step) => number) => xs.reduce((n, st) => n + f(st), 0)
  const total = builds.reduce((n, b) => n + b.ms, 0)
  const inSteps = builds.reduce((n, b) => n + b.steps.reduce((m, st) => m + st.ms, 0), 0)
  const runMs = sum(runs, (st) => st.ms)
  return (
    `${s(total)} s: RUN steps ${s(runMs)} (${talk.length} with output: to their first line ${s(sum(talk, (st) => st.output!.toFirst))}, ` +
    `first to last line ${s(sum(talk, (st) => st.output!.span))}, after the last line ${s(sum(talk, (st) => st.output!.after))}; ` +
    `${mute.length} without: ${s(sum(mute, (st) => st.ms))}), other steps ${s(inSteps - runMs)}, outside the steps ${s(total - inSteps)}`
  )
}

/** With STORE_BENCH_LOGS=DIR, a build's output is kept there, each line stamped (s since the start). */
function keepLog(file: string, b: Build): Build {
  const dir = process.env.STORE_BENCH_LOGS
  if (dir) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${file}.log`), b.lines.map((l) => `${(l.at / 1000).toFixed(3)} ${l.text}\n`).join(''))
  }
  return b
}

/** The layer steps both ran (not cached) of one Dockerfile, side by side. */
function stepLines(name: string, a: Build, b: Build): string {
  const one = (st: Step) => (st.output ? `${s(st.ms)} (${s(st.output.toFirst)} + ${s(st.output.span)} + ${s(st.output.after)})` : s(st.ms))
  const [as, bs] = [layerSteps(a), layerSteps(b)]
  return as
    .map((st, i) => (st.cached ? '' : `  ${name}: ${st.title.replace(/\s+/g, ' ').slice(0, 60)}: store ${one(st)}, Docker ${bs[i] ? one(bs[i]) : '?'}`))
    .filter(Boolean)
    .join('\n')
}

export default async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'store-bench-docker-'))
  const root = join(work, 'store')
  let engine: Engine | undefined
  const cleanup = async () => {
    const note = await engine?.stop()
    if (note) console.log(`engine: ${note}`)
    killUnder(work) // a store build still running when interrupted
    unmountUnder(work)
    rmSync(work, { recursive: true, force: true })
  }
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`docker: ${sig}, cleaning up`)
    void cleanup().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  try {
    try {
      engine = await openEngine(work)
    } catch (e) {
      if (!(e instanceof NoEngine)) throw e
      console.error(`docker: no Docker engine to compare with: ${e.message}`)
      process.exitCode = 1
      return
    }
    const mirror = debianMirror(SUITE)
    const names = readdirSync(DOCKERFILES, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .filter((n) => !process.env.STORE_BENCH_DOCKER || process.env.STORE_BENCH_DOCKER.split(',').includes(n))
      .sort()

    console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    console.log(`  store: ${sh([process.execPath, STORE_CLI, '--version']).trim()}`)
    console.log(`  Docker: ${engine.version}, legacy builder${engine.own ? ', started here' : `, ${engine.env.DOCKER_HOST}`}`)
    console.log(`  debootstrap ${sh(['dpkg-query', '-W', '-f', '${Version}', 'debootstrap'])}, Debian mirror from ${mirror.file}`)

    // The base, made once, in both.
    const base = join(work, 'debian')
    const tBoot = await debootstrap(SUITE, base, mirror.uri)
    const baseBytes = du(base)
    const tImport = (await stampedRun(storeCommand(root, ['import', base, `debian:${SUITE}`]).argv)).ms
    rmSync(base, { recursive: true, force: true })
    const hadBase = !engine.own && docker(engine.env, ['image', 'inspect', `debian:${SUITE}`]).status === 0
    const dockerBefore = engine.dataRoot && !engine.own ? du(engine.dataRoot) : 0
    const load = `set -o pipefail; "$1" "$2" --root "$3" save "debian:${SUITE}" | docker load -q`
    const tLoad = (await stampedRun(['bash', '-c', load, 'load', process.execPath, STORE_CLI, root], engine.env)).ms
    const info = sh(storeCommand(root, ['system', 'info']).argv)
    const field = (k: string) => new RegExp(`^\\s*${k}: (.*)$`, 'm').exec(info)?.[1] ?? '?'
    console.log(`  store driver ${field('Storage Driver')}, snapshot sharing ${field('Snapshot Sharing')}, runtime ${field('Default Runtime')}`)
    console.log(`base debian:${SUITE} (minbase, ${MB(baseBytes)} MB): debootstrap ${s(tBoot * 1000)} s, store import ${s(tImport)} s, store save | docker load ${s(tLoad)} s`)
    console.log(`Dockerfiles (bench/docker/): ${names.join(', ')}\n`)

    const [store, dock] = tools(root, engine)
    const cold = new Map<string, Map<Tool, Build>>()
    const cached = new Map<string, Map<Tool, number[]>>()
    const order = (i: number) => (i % 2 === 0 ? [store, dock] : [dock, store])
    for (const [i, name] of names.entries()) {
      const got = new Map<Tool, Build>()
      for (const t of order(i)) got.set(t, keepLog(`cold-${name}-${t.name}`, await t.build(name)))
      cold.set(name, got)
      const [a, b] = [got.get(store)!, got.get(dock)!]
      if (cachedCount(a) !== cachedCount(b)) throw new Error(`docker: cold ${name}: store reused ${cachedCount(a)} RUN/COPY steps, Docker ${cachedCount(b)}`)
      console.log(`  cold ${name}: store ${s(a.ms)} s, Docker ${s(b.ms)} s (${cachedCount(a)} of ${layerSteps(a).length} RUN/COPY steps reused in both)`)
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, name] of names.entries()) {
        for (const t of order(i + r)) {
          const b = await t.build(name)
          const all = layerSteps(cold.get(name)!.get(t)!).length
          if (layerSteps(b).length !== all || cachedCount(b) !== all) throw new Error(`docker: ${t.name} rebuilt ${name} with ${all - cachedCount(b)} of ${all} RUN/COPY steps not cached`)
          const m = cached.get(name) ?? new Map<Tool, number[]>()
          m.set(t, [...(m.get(t) ?? []), b.ms])
          cached.set(name, m)
        }
      }
    }
    console.log(`  ${ROUNDS} fully cached rebuild(s) of each: every RUN/COPY step cached in both`)

    // Disk, before anything else runs a container (a container of an image adds its snapshot).
    const storeDisk = du(root)
    const storeTop = duTop(root)
    const dockerDisk = engine.dataRoot ? du(engine.dataRoot) - dockerBefore : undefined
    const dockerTop = engine.dataRoot && engine.own ? duTop(engine.dataRoot) : undefined

    // The same images: every Debian package at the same version in both.
    for (const name of names) {
      const [a, b] = [store.packages(name), dock.packages(name)]
      if (a !== b || a === '') throw new Error(`docker: ${name}: the images' packages differ (store ${a.split('\n').length - 1} lines, Docker ${b.split('\n').length - 1})`)
    }
    console.log(`  same Debian packages at the same versions in store's and Docker's image of each Dockerfile`)
    const prune = sh(storeCommand(root, ['system', 'prune', '-f']).argv).trim().split('\n').pop()
    const pruned = du(root)
    const prunedTop = duTop(root)
    sh(storeCommand(root, ['fsck']).argv)
    console.log(`  store system prune: ${prune}; store fsck clean`)

    const rows: Record<string, string>[] = []
    const row = (what: string, a: number, b: number | undefined, unit: (n: number) => string, goal: number) => {
      const ratio = b === undefined ? undefined : a / b
      rows.push({
        what,
        store: unit(a),
        Docker: b === undefined ? 'n/a' : unit(b),
        'store/Docker': ratio === undefined ? 'n/a' : x(ratio),
        goal: `≤ ${x(goal)}: ${ratio === undefined ? 'not measured' : ratio <= goal ? 'met' : 'NOT met'}`,
      })
    }
    let coldSum = [0, 0]
    let cachedSum = [0, 0]
    for (const name of names) {
      const c = cold.get(name)!
      coldSum = [coldSum[0] + c.get(store)!.ms, coldSum[1] + c.get(dock)!.ms]
      row(`${name}: cold build, s`, c.get(store)!.ms, c.get(dock)!.ms, s, 1)
    }
    for (const name of names) {
      const c = cached.get(name)!
      const [a, b] = [median(c.get(store)!), median(c.get(dock)!)]
      cachedSum = [cachedSum[0] + a, cachedSum[1] + b]
      row(`${name}: cached rebuild, s`, a, b, (ms) => (ms / 1000).toFixed(2), 1)
    }
    row('all cold builds, s', coldSum[0], coldSum[1], s, 1)
    row('all cached rebuilds, s', cachedSum[0], cachedSum[1], (ms) => (ms / 1000).toFixed(2), 1)
    row('disk after all builds, MB', storeDisk, dockerDisk, MB, 0.6)
    row('disk, store\'s unused snapshots dropped (system prune), MB', pruned, dockerDisk, MB, 0.3)

    console.log(`\nstore vs Docker (${engine.version}): ${names.length} Dockerfiles, one cold build each, median of ${ROUNDS} cached rebuilds; disk = du -s -B1 (MB = 10^6 bytes)\n`)
    console.log(markdown(rows))
    console.log(`\nwhere the cold builds' time went (s):`)
    for (const t of [store, dock]) console.log(`  ${t.name}: ${breakdown(names.map((n) => cold.get(n)!.get(t)!))}`)
    console.log(`cold RUN and COPY steps that ran, store vs Docker (s; for output: to the first line + first to last + after the last):`)
    for (const name of names) console.log(stepLines(name, cold.get(name)!.get(store)!, cold.get(name)!.get(dock)!))
    console.log(`largest folders (MB): store root ${storeTop}; after prune ${prunedTop}${dockerTop ? `; Docker data root ${dockerTop}` : ''}`)
    console.log(`load at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)

    if (!engine.own) {
      // Leave DOCKER_HOST's engine as it was: our tags, and the base if it was not there.
      docker(engine.env, ['rmi', ...names.map(TAG), ...(hadBase ? [] : [`debian:${SUITE}`])])
    }
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    await cleanup()
  }
}
