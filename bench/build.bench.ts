// `store build` of a project with 10 000 small files (~30 MB) in its context, Dockerfile
// `FROM busybox` + `COPY . /app`, each build a fresh `store build -q` process as a user runs it:
// a first build into a fresh store (COPY MB/s = context bytes / seconds), a fully cached rebuild
// (goal: under 1 s), a rebuild after touching 100 files (mtime only: still all cached) and one
// after changing the content of 100 files (the COPY layer is made again).
// Needs root and busybox-static. Run: npm run build && npm run bench build

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { busyboxRoot } from './_busybox.js'

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url))
const FILES = 10_000

/** 10 000 files of 0.5–5.5 KB in 100 folders, text-like (a source tree), every one distinct. */
function project(dir: string): { files: string[]; bytes: number } {
  const files: string[] = []
  let bytes = 0
  let seed = 1
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24)
  const words = ['const', 'return', 'function', 'import', 'export', 'value', 'index', 'store', 'layer', 'chunk', '=', '{', '}', '(', ')', ';']
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(dir, `src/mod${d}`), { recursive: true })
    for (let f = 0; f < FILES / 100; f++) {
      const size = 500 + Math.floor(rnd() * 5000)
      let text = `// file ${d}/${f}\n`
      while (text.length < size) text += words[Math.floor(rnd() * words.length)] + (rnd() < 0.1 ? '\n' : ' ')
      const path = join(dir, `src/mod${d}/file${f}.ts`)
      writeFileSync(path, text)
      files.push(path)
      bytes += text.length
    }
  }
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY . /app\n')
  return { files, bytes }
}

function cli(root: string, args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--root', root, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`store ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return { stdout: r.stdout, stderr: r.stderr }
}

export default async function run(): Promise<void> {
  if (process.getuid?.() !== 0 || !existsSync('/bin/busybox')) {
    console.log('build bench skipped: needs root and /bin/busybox (busybox-static)')
    return
  }
  const tmp = mkdtempSync(join(tmpdir(), 'store-bench-build-'))
  try {
    const base = busyboxRoot(join(tmp, 'busybox'))
    const ctx = join(tmp, 'ctx')
    const { files, bytes } = project(ctx)
    const mb = bytes / 1e6
    const root = join(tmp, 'root')
    const freshStore = () => {
      rmSync(root, { recursive: true, force: true })
      cli(root, ['import', base, 'busybox'])
    }
    const build = () => cli(root, ['build', '-t', 'bench/app', ctx]).stderr
    let tick = 0
    const touch100 = () => {
      const t = new Date(Date.now() + ++tick * 1000)
      for (let i = 0; i < 100; i++) utimesSync(files[i * 97], t, t)
    }
    const change100 = () => {
      ++tick
      for (let i = 0; i < 100; i++) writeFileSync(files[i * 97 + 1], `// edit ${tick}\n`, { flag: 'a' })
    }
    const copyStatus = (stderr: string) => /^#\d+ (CACHED|DONE)/m.exec(stderr.split(/^#\d+ \[2\/2\] COPY/m)[1] ?? '')?.[1]

    // Check before timing: the image holds every file; touch keeps the cache; a change misses.
    freshStore()
    if (copyStatus(build()) !== 'DONE') throw new Error('build bench: first build did not run the COPY')
    const count = cli(root, ['run', '--rm', 'bench/app', 'sh', '-c', 'find /app -type f | wc -l']).stdout.trim()
    if (Number(count) !== FILES + 1) throw new Error(`build bench: the image holds ${count} files, expected ${FILES + 1}`)
    if (copyStatus(build()) !== 'CACHED') throw new Error('build bench: a rebuild was not cached')
    touch100()
    if (copyStatus(build()) !== 'CACHED') throw new Error('build bench: touching files invalidated the COPY')
    change100()
    if (copyStatus(build()) !== 'DONE') throw new Error('build bench: changed files did not rerun the COPY')
    console.log(`store build of FROM busybox + COPY . /app: ${FILES} files, ${mb.toFixed(1)} MB of context; one CLI process per build`)

    const bench = new Bench({ name: 'build', time: 0, iterations: 3, warmup: false })
    bench
      .add('first build (fresh store)', () => void build(), { beforeEach: freshStore })
      .add('rebuild, all cached', () => void build())
      .add('rebuild, 100 files touched', () => void build(), { beforeEach: touch100 })
      .add('rebuild, 100 files changed', () => void build(), { beforeEach: change100 })
    await bench.run()

    const copies = new Set(['first build (fresh store)', 'rebuild, 100 files changed'])
    console.table(
      bench.tasks.map((t) => {
        const lat = t.result!.latency
        return {
          variant: t.name,
          'median s': +(lat.p50! / 1000).toFixed(2),
          'best s': +(lat.min / 1000).toFixed(2),
          'COPY MB/s': copies.has(t.name) ? +(mb / (lat.p50! / 1000)).toFixed(1) : '',
        }
      }),
    )
    const cached = bench.tasks[1].result!.latency.p50! / 1000
    console.log(`fully cached rebuild: ${cached.toFixed(2)} s (goal < 1 s): ${cached < 1 ? 'met' : 'NOT met'}`)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
