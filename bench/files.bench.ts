// Cost linear in files, side by side with restic (issue 12 item 7): a folder of STORE_BENCH_FILES
// (default 300,000) small files (20–60 bytes, 200 per folder, made once with a fixed seed), and
// four steps, each timed (wall, peak RSS) in a fresh process for both tools, in the same run:
//   import      store import DIR            restic backup DIR
//   usage       store system df             restic stats --mode raw-data
//   check       store fsck                  restic check --read-data
//   one file    one file added, DIR imported again (store: its stat fingerprint finds the one
//               changed folder; restic: its parent snapshot)
// plus what each holds on disk after the first step. Run: npm run build && npm run bench files

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { diskUse, measure, rssMethod, versionOf, type Command, type Measured } from './_peersRun.js'
import { storeCommand, STORE_CLI } from './_peersTools.js'

function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Steps {
  import: Command
  usage: Command
  check: Command
  again: Command
}

export default async function run(): Promise<void> {
  const n = Number(process.env.STORE_BENCH_FILES ?? 300_000)
  const restic = versionOf(['restic', 'version'])
  console.log(`store: ${versionOf([process.execPath, STORE_CLI, '--version'])}; restic: ${restic ?? 'not installed'}; peak RSS by ${rssMethod}`)
  if (!restic) throw new Error('files: restic is not installed (apt-get install restic)')
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-files-'))
  try {
    const tree = join(dir, 'tree')
    const rnd = prng(42)
    for (let i = 0; i < n; i++) {
      const sub = join(tree, `d${Math.floor(i / 200)}`)
      if (i % 200 === 0) mkdirSync(sub, { recursive: true })
      writeFileSync(join(sub, `f${i}.txt`), `file ${i} ${'x'.repeat(Math.floor(rnd() * 40))}\n`)
    }
    console.log(`a folder of ${n.toLocaleString('en')} small files, 200 per folder`)
    const storeRoot = join(dir, 'store')
    const repo = join(dir, 'restic')
    const env = { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: join(dir, 'restic-cache') }
    await measure({ argv: ['restic', 'init', '-q'], env })
    const tools: [string, Steps, string][] = [
      ['store', {
        import: storeCommand(storeRoot, ['import', tree, 'files:1']),
        usage: storeCommand(storeRoot, ['system', 'df']),
        check: storeCommand(storeRoot, ['fsck']),
        again: storeCommand(storeRoot, ['import', tree, 'files:2']),
      }, storeRoot],
      ['restic', {
        import: { argv: ['restic', 'backup', '-q', '.'], cwd: tree, env },
        usage: { argv: ['restic', 'stats', '--mode', 'raw-data'], env },
        check: { argv: ['restic', 'check', '--read-data'], env },
        again: { argv: ['restic', 'backup', '-q', '.'], cwd: tree, env },
      }, repo],
    ]
    // Each step for both tools before the next step (one file is added between check and again).
    const got = new Map<string, Measured>()
    const disk = new Map<string, { stored: number; allocated: number }>()
    const before = new Map<string, number>()
    const grew = new Map<string, number>()
    for (const step of ['import', 'usage', 'check', 'again'] as const) {
      if (step === 'again') writeFileSync(join(tree, `d${Math.floor(n / 400)}`, 'added.txt'), 'one more file\n')
      for (const [name, steps, root] of tools) {
        if (step === 'again') before.set(name, diskUse(root).stored)
        const m = await measure(steps[step])
        got.set(`${name} ${step}`, m)
        if (step === 'import') disk.set(name, diskUse(root))
        if (step === 'again') grew.set(name, diskUse(root).stored - before.get(name)!)
        console.log(`  ${name} ${step}: ${m.seconds.toFixed(2)} s, ${Math.round(m.rssMB)} MB`)
      }
    }
    const rows = [['import', 'first import / backup'], ['usage', '`system df` / `restic stats`'], ['check', '`fsck` / `check --read-data`'], ['again', 'one file added, imported again']] as const
    console.log(`\n| step | store s | store RSS MB | restic s | restic RSS MB | restic/store (time) |`)
    console.log(`|---|---:|---:|---:|---:|---:|`)
    for (const [k, label] of rows) {
      const s = got.get(`store ${k}`)!
      const r = got.get(`restic ${k}`)!
      console.log(`| ${label} | ${s.seconds.toFixed(2)} | ${Math.round(s.rssMB)} | ${r.seconds.toFixed(2)} | ${Math.round(r.rssMB)} | ${(r.seconds / s.seconds).toFixed(2)} |`)
    }
    const mb = (b: number) => (b / 1e6).toFixed(1)
    for (const [name, d] of disk) console.log(`${name} after the first step: ${mb(d.stored)} MB stored, ${mb(d.allocated)} MB allocated`)
    // store's cache of the folder's lstat fingerprints (cache/, replaced by each import) counts in its growth.
    for (const [name, g] of grew) console.log(`${name} grew by ${(g / 1e3).toFixed(1)} KB with the one-file import`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
