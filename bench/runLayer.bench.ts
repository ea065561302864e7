// A RUN that writes a large layer, and the step after it: `FROM busybox`, a RUN writing ~384 MB
// of mixed files (one 192 MiB random file, 48 random files of 2 MiB, 1,024 random files of
// 32 KiB, 64 MiB of repeated text), then `RUN true`. Each build is a fresh `store build
// --progress plain` process on a fresh store; the table gives each step's own time as the
// progress view shows it (`#N DONE x.xs`), the part of the RUN's after its command ended (its
// last output line's time: the changes, the ingest and, now, the snapshot), the sum of that and
// the next step (what it took from the command's end to the next step's end: the figure the
// direct commit changes; the command's own time varies with the machine's load), and the whole
// build's. Before issue 13's direct
// commit, the RUN's layer was ingested and then extracted again from the chunk store at the
// start of the next step (its line showed it); now the RUN's writable layer becomes its
// snapshot within its own step. With STORE_BENCH_BASELINE=<another build's dist/cli/main.js>
// the same build runs with it too, in the same session, alternating.
// A second table isolates the snapshot itself: the same files written on the host as a
// writable layer, ingested once, then its snapshot made by the direct commit (lib/snapshot/
// commit.ts, taking the files' inodes) and, after dropping it, by extraction from the chunk
// store, per form (reflink needs a cloning file system: not here), in this process.
// Needs root and busybox-static. Run: npm run build && npm run bench runLayer
// (STORE_BENCH_RUNS=<n>, default 1: each build writes ~0.4 GB and stores it).

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { busyboxRoot } from './_busybox.js'
import { openStore } from '../lib/store.js'
import { addLayer } from '../lib/image/create.js'
import { changesTar, dirTar, walkTree } from '../lib/layer/index.js'
import type { LayerChange } from '../lib/driver/index.js'
import { commitSnapshot, dropSnapshot, ensureSnapshots, WritableFiles, type SharingMethod } from '../lib/snapshot/index.js'

const OURS = fileURLToPath(new URL('../cli/main.js', import.meta.url))

const WRITE = [
  'mkdir -p /data/big /data/mid /data/small /data/text',
  'dd if=/dev/urandom of=/data/big/blob bs=1M count=192 2>/dev/null',
  'for i in $(seq 1 48); do dd if=/dev/urandom of=/data/mid/f$i bs=1M count=2 2>/dev/null; done',
  'exec 3</data/big/blob; for i in $(seq 1 1024); do head -c 32768 <&3 >/data/small/f$i; done',
  "yes 'a line of text that compresses well, written again and again' | head -c 67108864 >/data/text/t",
  'echo written',
].join(' && ')
const DOCKERFILE = `FROM busybox\nRUN ${WRITE}\nRUN true\n`
const LAYER_MB = (192 + 96 + 32 + 64) * 1.048576

interface Timing {
  run: number
  command: number
  next: number
  total: number
}

function build(bin: string, root: string, ctx: string): Timing {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, '--root', root, 'build', '--progress', 'plain', '-t', 'bench/run', ctx], { encoding: 'utf8', maxBuffer: 1 << 26 })
  const total = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`runLayer bench: build with ${bin} failed (${r.status}): ${r.stderr}`)
  const step = (title: RegExp) => {
    const id = new RegExp(`^#(\\d+) ${title.source}`, 'm').exec(r.stderr)?.[1]
    const done = id && new RegExp(`^#${id} DONE ([\\d.]+)s`, 'm').exec(r.stderr)?.[1]
    if (!done) throw new Error(`runLayer bench: no DONE line for ${title} in:\n${r.stderr}`)
    return Number(done)
  }
  const id = /^#(\d+) \[2\/3\] RUN mkdir/m.exec(r.stderr)![1]
  const command = Number(new RegExp(`^#${id} ([\\d.]+) written$`, 'm').exec(r.stderr)?.[1] ?? NaN)
  return { run: step(/\[2\/3\] RUN mkdir/), command, next: step(/\[3\/3\] RUN true/), total }
}

export default async function run(): Promise<void> {
  if (process.getuid?.() !== 0 || !existsSync('/bin/busybox')) {
    console.log('runLayer bench skipped: needs root and /bin/busybox (busybox-static)')
    return
  }
  const tmp = mkdtempSync(join(tmpdir(), 'store-bench-runlayer-'))
  try {
    const base = busyboxRoot(join(tmp, 'busybox'))
    const ctx = join(tmp, 'ctx')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE)
    const builds: [string, string][] = [['store', OURS]]
    if (process.env.STORE_BENCH_BASELINE) builds.push(['baseline', process.env.STORE_BENCH_BASELINE])
    const runs = Number(process.env.STORE_BENCH_RUNS ?? 1)
    const rows: Record<string, string | number>[] = []
    for (let i = 0; i < runs; i++) {
      for (const [name, bin] of builds) {
        const root = join(tmp, `root-${name}`)
        rmSync(root, { recursive: true, force: true })
        const imp = spawnSync(process.execPath, [bin, '--root', root, 'import', base, 'busybox'], { encoding: 'utf8' })
        if (imp.status !== 0) throw new Error(`runLayer bench: import with ${bin} failed: ${imp.stderr}`)
        const t = build(bin, root, ctx)
        // Checked after timing, before reporting: the image holds what the RUN wrote.
        const check = spawnSync(process.execPath, [bin, '--root', root, 'run', '--rm', 'bench/run', 'sh', '-c', 'du -sm /data | cut -f1; ls /data/small | wc -l'], { encoding: 'utf8' })
        const [mb, small] = check.stdout.trim().split('\n').map(Number)
        if (check.status !== 0 || !(mb >= 380) || small !== 1024) throw new Error(`runLayer bench: the image of ${name} holds ${check.stdout} (${check.stderr})`)
        const after = t.run - t.command
        rows.push({
          build: name, 'RUN step s': t.run, 'its command s': +t.command.toFixed(2), 'RUN after its command s': +after.toFixed(2),
          'next step (RUN true) s': t.next, 'after the command to next step done s': +(after + t.next).toFixed(2), 'whole build s': +t.total.toFixed(2),
        })
        rmSync(root, { recursive: true, force: true })
      }
    }
    console.log(`store build: FROM busybox, a RUN writing ${LAYER_MB.toFixed(0)} MB in 1,074 files, RUN true; one CLI process per build, fresh store`)
    console.table(rows)
    console.log('the snapshot of that layer: direct commit (inodes taken) against extraction from the chunk store, same process')
    console.table(await snapshotRows(tmp, runs))
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** The RUN's files written on the host (`sh` with the RUN's command, paths under `w`). */
function writeLayer(w: string): void {
  const cmd = WRITE.replaceAll('/data', `${w}/data`).replace(' && echo written', '')
  const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`runLayer bench: writing the layer failed: ${r.stderr}`)
}

async function snapshotRows(tmp: string, runs: number): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = []
  const base = join(tmp, 'base')
  mkdirSync(join(base, 'etc'), { recursive: true })
  writeFileSync(join(base, 'etc/hostname'), 'bench\n')
  for (let i = 0; i < runs; i++) {
    for (const form of ['data-only', 'hardlink', 'copy'] as SharingMethod[]) {
      const dir = join(tmp, `snap-${form}`)
      rmSync(dir, { recursive: true, force: true })
      const store = await openStore({ root: join(dir, 'root') })
      const w = join(dir, 'upper')
      writeLayer(w)
      const layers = [(await addLayer(store, null, dirTar(base))).record]
      await ensureSnapshots(store.cas, store.layout, layers, { form })
      const changes: LayerChange[] = []
      for await (const e of walkTree(w)) changes.push({ kind: 'add', path: e.name, source: `${w}/${e.name}`, root: w })
      const files = await WritableFiles.scan({ changes, disposable: true })
      let commit: number
      try {
        layers.push((await addLayer(store, layers[0].chainId, changesTar(changes))).record)
        const t0 = process.hrtime.bigint()
        const r = await commitSnapshot(store.cas, store.layout, layers, files, { form })
        commit = Number(process.hrtime.bigint() - t0) / 1e9
        if (r !== 'committed') throw new Error(`runLayer bench: the ${form} commit gave ${r}`)
      } finally {
        files.close()
      }
      await dropSnapshot(store.layout, layers[1].chainId)
      const t1 = process.hrtime.bigint()
      const built = await ensureSnapshots(store.cas, store.layout, layers, { form })
      const extract = Number(process.hrtime.bigint() - t1) / 1e9
      if (!built.built.includes(layers[1].chainId)) throw new Error('runLayer bench: the extraction built nothing')
      rows.push({ form, 'direct commit s': +commit.toFixed(2), 'extraction s': +extract.toFixed(2), 'extraction / commit': +(extract / commit).toFixed(1) })
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return rows
}
