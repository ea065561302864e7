// Shared by the memory scenarios (manyEntries, trailerBomb, smallFiles): run `store import` and
// `store fsck` of our build, and of STORE_BENCH_BASELINE (another build's dist/cli/main.js, e.g.
// an older commit's) when set, each in a fresh process under GNU time (wall seconds, peak RSS),
// on a store of its own; check the result before reporting it (the layer's diffID is the one
// given, fsck clean) and print one table, with the files the store holds, their bytes and what
// the file system allocates for them, and `system df`'s time.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { storeFiles } from './_storeFiles.js'

const OURS = fileURLToPath(new URL('../cli/main.js', import.meta.url))

export interface Run {
  status: number
  seconds: number
  rssMB: number
  stdout: string
  stderr: string
}

/** `store ARGS` of build `bin`, timed by GNU time. */
export function timed(bin: string, root: string, args: string[]): Run {
  if (!existsSync('/usr/bin/time')) throw new Error('the memory benchmarks need GNU time (apt-get install time)')
  const r = spawnSync('/usr/bin/time', ['-f', '@@ %e %M', process.execPath, bin, '--root', root, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
  const m = /@@ ([\d.]+) (\d+)\s*$/.exec(r.stderr)
  if (!m) throw new Error(`no timing from GNU time:\n${r.stderr}`)
  return { status: r.status ?? 128, seconds: Number(m[1]), rssMB: Number(m[2]) / 1024, stdout: r.stdout, stderr: r.stderr.slice(0, m.index) }
}

/**
 * Imports `source` with each build, checks the layer (its diffID is `diffId` when given) and
 * runs fsck; prints seconds and peak RSS of both. `source` is made once, before.
 */
export function importAndCheck(what: string, source: string, diffId?: string): void {
  const builds: [string, string][] = [['store', OURS]]
  if (process.env.STORE_BENCH_BASELINE) builds.push(['baseline', process.env.STORE_BENCH_BASELINE])
  const rows: Record<string, string | number>[] = []
  for (const [name, bin] of builds) {
    const root = mkdtempSync(join(tmpdir(), `store-bench-${name}-`))
    try {
      const imp = timed(bin, root, ['import', source, 'bench/memory'])
      const row: Record<string, string | number> = { build: name, 'import s': imp.seconds, 'import peak RSS MB': Math.round(imp.rssMB) }
      if (imp.status !== 0) {
        row.result = `import failed: ${imp.stderr.split('\n').filter((l) => l && !l.startsWith('Command exited')).pop()}`
        rows.push(row)
        continue
      }
      const layers = JSON.parse(spawnSync(process.execPath, [bin, '--root', root, 'inspect', 'bench/memory'], { encoding: 'utf8' }).stdout)[0].RootFS.Layers
      if (diffId && layers[0] !== diffId) throw new Error(`${name}: layer ${layers[0]}, want ${diffId}`)
      const disk = storeFiles(root)
      const df = timed(bin, root, ['system', 'df'])
      const fsck = timed(bin, root, ['fsck'])
      Object.assign(row, {
        files: disk.files, 'stored MB': +(disk.bytes / 1e6).toFixed(1), 'allocated MB': +(disk.allocated / 1e6).toFixed(1),
        'df s': df.seconds, 'df peak RSS MB': Math.round(df.rssMB),
        'fsck s': fsck.seconds, 'fsck peak RSS MB': Math.round(fsck.rssMB), result: fsck.status === 0 ? 'fsck clean' : `fsck: ${fsck.stdout.trim().split('\n').pop()}`,
      })
      rows.push(row)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
  console.log(what)
  console.table(rows)
}
