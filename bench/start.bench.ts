// Container start-to-exit time of `true`: the built-in launcher against runc and crun and a bare
// `unshare … --root … true` (the floor: namespaces + chroot, nothing else), on an overlay root
// and on a copy root. Each launch is the whole of launch(): config.json, launch.sh, mounts
// (rootfs, /proc, /dev, /sys, /etc files, masks), the process, teardown. Goal: builtin < 150 ms.
// A second table: what a container costs before it starts (driver.create): overlay copies
// nothing; copy materialises the image, for busybox (2 MB) and a generated ~200 MB tree.
// A third table: the whole command as a user types it, `store run --rm busybox true` through the
// built CLI (process start, store, container record, init layer, launch, removal), per launcher
// and driver, next to `node -e 0` (the floor of any Node CLI on this machine), `store --version`
// and `store images -q` (the start every command pays). With STORE_BENCH_BASELINE set to another
// build's dist/cli/main.js (e.g. a worktree of an older commit), its `store run --rm` is timed
// beside ours, on a store of its own: a change's cost measured side by side, in one run.
// Needs root and busybox-static (runc/crun rows only when installed).
// Run: npm run build && npm run bench start

import { spawnSync } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { busyboxRoot } from './_busybox.js'
import { copyDriver, overlayDriver, type StorageDriver } from '../lib/driver/index.js'
import { availableLaunchers, launch, prepareInitLayer, type LauncherName, type OciSpec } from '../lib/runtime/index.js'

const ID = 'b'.repeat(64)

/** ~200 MB in 10 000 files of 20 KB under 200 dirs, incompressible. */
function bigTree(dir: string): string {
  const buf = Buffer.alloc(20_000)
  for (let d = 0; d < 200; d++) {
    mkdirSync(join(dir, `d${d}`), { recursive: true })
    for (let f = 0; f < 50; f++) writeFileSync(join(dir, `d${d}`, `f${f}`), randomFillSync(buf))
  }
  return dir
}

function spec(rootfs: string): OciSpec {
  return {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['true'], env: ['PATH=/bin:/usr/bin'], cwd: '/' },
    root: { path: rootfs, readonly: false },
    hostname: 'bench',
    mounts: [],
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }, { type: 'network' }] },
  }
}

interface Container {
  dir: string
  lowers: string[]
  driver: StorageDriver
}

async function container(tmp: string, name: string, driver: StorageDriver, base: string): Promise<Container> {
  const dir = join(tmp, name)
  mkdirSync(dir)
  const lowers = [join(dir, 'init'), base]
  await prepareInitLayer(lowers[0], [base], spec('/unused'), dir)
  await driver.create(dir, lowers)
  return { dir, lowers, driver }
}

async function start(c: Container, launcher: LauncherName): Promise<number> {
  const plan = c.driver.mountPlan(c.dir, c.lowers)
  const r = await launch({ bundleDir: c.dir, id: ID, spec: spec(plan.rootfs), rootfsSteps: plan.steps, stdio: { kind: 'inherit' } }, launcher)
  return r.exitCode
}

function bare(root: string): number {
  return spawnSync('unshare', ['--mount', '--pid', '--fork', '--ipc', '--uts', '--net', `--root=${root}`, '/bin/true']).status ?? -1
}

const ms = (t: { result?: { latency: { p50?: number; min: number } } }) => ({
  'median ms': +(t.result!.latency.p50 ?? 0).toFixed(1),
  'best ms': +t.result!.latency.min.toFixed(1),
})

export default async function run(): Promise<void> {
  if (process.getuid?.() !== 0 || !existsSync('/bin/busybox')) {
    console.log('start bench skipped: needs root and /bin/busybox (busybox-static)')
    return
  }
  const tmp = mkdtempSync(join(tmpdir(), 'store-bench-start-'))
  try {
    const base = busyboxRoot(join(tmp, 'busybox'))
    const overlay = await container(tmp, 'c-overlay', overlayDriver(), base)
    const copy = await container(tmp, 'c-copy', copyDriver(), base)
    const launchers = await availableLaunchers()

    // Check before timing: every variant really runs `true` and reports 0.
    if (bare(base) !== 0) throw new Error('start bench: bare unshare failed')
    for (const l of launchers) if ((await start(overlay, l)) !== 0) throw new Error(`start bench: ${l} on overlay failed`)
    if ((await start(copy, 'builtin')) !== 0) throw new Error('start bench: builtin on copy failed')

    console.log('Start-to-exit of `true` in a busybox container (launch() end to end; load on the machine shows in the spread)')
    const bench = new Bench({ name: 'start', time: 0, iterations: 20, warmupIterations: 2, warmupTime: 0 })
    bench.add('bare unshare --root (floor)', () => void bare(base))
    for (const l of launchers) bench.add(`${l} on overlay`, async () => void (await start(overlay, l)))
    bench.add('builtin on copy', async () => void (await start(copy, 'builtin')))
    if (launchers.includes('crun')) bench.add('crun on copy', async () => void (await start(copy, 'crun')))
    await bench.run()
    console.table(bench.tasks.map((t) => ({ variant: t.name, ...ms(t) })))

    console.log('Preparing a container (driver.create), before its first start')
    const big = bigTree(join(tmp, 'big'))
    let n = 0
    const prep = new Bench({ name: 'prepare', time: 0, iterations: 3, warmupIterations: 0, warmupTime: 0 })
    const create = (d: StorageDriver, lowers: string[]) => async () => {
      const dir = join(tmp, `p-${n++}`)
      await d.create(dir, lowers)
      await d.remove(dir)
    }
    prep
      .add('overlay, busybox', create(overlayDriver(), [base]))
      .add('copy, busybox (2 MB)', create(copyDriver(), [base]))
      .add('overlay, 200 MB tree', create(overlayDriver(), [big, base]))
      .add('copy, 200 MB tree', create(copyDriver(), [big, base]))
    await prep.run()
    console.table(prep.tasks.map((t) => ({ variant: t.name, ...ms(t) })))

    console.log('The whole `store run --rm busybox true` (a new process each time)')
    const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url))
    const root = join(tmp, 'store')
    const storeCli = (...args: string[]) => spawnSync(process.execPath, [cli, '--root', root, ...args], { stdio: 'ignore' }).status
    if (storeCli('import', base, 'busybox') !== 0) throw new Error('start bench: store import failed')
    const whole = new Bench({ name: 'run', time: 0, iterations: 15, warmupIterations: 2, warmupTime: 0 })
    whole.add('node -e 0 (floor)', () => void spawnSync(process.execPath, ['-e', '0']))
    // What every command pays before its own work: the CLI's start, and a store opened and read.
    whole.add('store --version', () => void spawnSync(process.execPath, [cli, '--version'], { stdio: 'ignore' }))
    whole.add('store images -q', () => void storeCli('images', '-q'))
    const variants: [string, string[]][] = launchers.map((l) => [`store run --rm (${l}, overlay)`, ['--storage-driver', 'overlay', 'run', '--rm', '--runtime', l]])
    variants.push(['store run --rm (builtin, copy)', ['--storage-driver', 'copy', 'run', '--rm', '--runtime', 'builtin']])
    for (const [name, args] of variants) {
      if (storeCli(...args, 'busybox', 'true') !== 0) throw new Error(`start bench: ${name} failed`)
      whole.add(name, () => void storeCli(...args, 'busybox', 'true'))
    }
    const baseline = process.env.STORE_BENCH_BASELINE
    if (baseline) {
      const baseRoot = join(tmp, 'store-baseline')
      const baseCli = (...args: string[]) => spawnSync(process.execPath, [baseline, '--root', baseRoot, ...args], { stdio: 'ignore' }).status
      if (baseCli('import', base, 'busybox') !== 0 || baseCli('run', '--rm', 'busybox', 'true') !== 0) throw new Error(`start bench: the baseline ${baseline} failed`)
      whole.add('baseline: store run --rm (its default)', () => void baseCli('run', '--rm', 'busybox', 'true'))
      whole.add('store run --rm (builtin, overlay), again', () => void storeCli('--storage-driver', 'overlay', 'run', '--rm', '--runtime', 'builtin', 'busybox', 'true'))
    }
    await whole.run()
    console.table(whole.tasks.map((t) => ({ variant: t.name, ...ms(t) })))
  } finally {
    for (const c of ['c-overlay', 'c-copy']) await overlayDriver().remove(join(tmp, c)).catch(() => {})
    rmSync(tmp, { recursive: true, force: true })
  }
}
