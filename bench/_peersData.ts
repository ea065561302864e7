// The peers scenario's data sets, built once outside the timed code and reused when present:
// series of releases of an npm package (`npm pack NAME@VERSION`, extracted into one folder per
// version under STORE_BENCH_DATA, default $TMPDIR/store-bench-peers-data), and a system folder
// referred to in place (no copy). Each version knows its size (`du -sb`) and regular files.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Version {
  tag: string
  dir: string
  bytes: number
  files: number
}

export interface DataSet {
  name: string
  /** What it is, with the exact versions or path: printed above its table. */
  label: string
  versions: Version[]
  /** Also time store re-importing the unchanged folder, reading every file again. */
  reread?: true
}

const QUICK = process.env.STORE_BENCH_QUICK === '1'

// Not `typescript`: our own verification uses it. Both ≥ 10 MB unpacked per version.
export const DEFAULT_PATCH = '@angular/core@17.3.0,17.3.1,17.3.2,17.3.3'
export const DEFAULT_MINOR = 'three@0.160.0,0.161.0,0.162.0,0.163.0,0.164.0,0.165.0,0.166.0,0.167.0,0.168.0,0.169.0'
// Two shapes, each its own data set: large binaries (693 MB in 2,313 files on this machine) and
// many small files (576 MB in 46,673). /usr/lib in full is 3.9 GB here: too long for 3 rounds.
export const DEFAULT_OS = QUICK ? '/usr/lib/x86_64-linux-gnu/gconv' : '/usr/lib/x86_64-linux-gnu,/usr/share'

function sh(argv: string[], cwd?: string): string {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? r.stderr}`)
  return r.stdout
}

function measured(tag: string, dir: string): Version {
  const bytes = Number(sh(['du', '-sb', dir]).split('\t')[0])
  return { tag, dir, bytes, files: regularFiles(dir) }
}

// Not readdirSync's `recursive`: it descends into symlinked folders (2,690 files for find's 2,313).
function regularFiles(dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isFile() ? 1 : e.isDirectory() ? regularFiles(join(dir, e.name)) : 0
  return n
}

/** One release, packed and extracted into `cache` unless it is there already. */
function packed(cache: string, name: string, version: string): string {
  const dir = join(cache, `${name.replace('/', '+')}@${version}`)
  if (existsSync(dir)) return dir
  const tmp = mkdtempSync(join(cache, '.tmp-'))
  try {
    const [{ filename }] = JSON.parse(sh(['npm', 'pack', '--json', '--silent', `${name}@${version}`], tmp)) as { filename: string }[]
    mkdirSync(join(tmp, 'x'))
    sh(['tar', 'xzf', join(tmp, filename), '-C', join(tmp, 'x'), '--no-same-owner'])
    const top = readdirSync(join(tmp, 'x')) // `package/` in every npm tarball seen so far
    if (top.length !== 1) throw new Error(`${name}@${version}: ${top.length} top-level entries in the tarball`)
    renameSync(join(tmp, 'x', top[0]), dir) // complete or absent: a cut-off build is not reused
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  return dir
}

/** `spec` is NAME@V1,V2,…; quick mode keeps the first two versions. */
export function npmSeries(name: string, spec: string): DataSet {
  const at = spec.lastIndexOf('@')
  if (at <= 0) throw new Error(`peers: a series is NAME@V1,V2,…, got ${spec}`)
  const pkg = spec.slice(0, at)
  const versions = spec.slice(at + 1).split(',').slice(0, QUICK ? 2 : undefined)
  const cache = process.env.STORE_BENCH_DATA ?? join(tmpdir(), 'store-bench-peers-data')
  mkdirSync(cache, { recursive: true })
  return {
    name,
    label: `${pkg} ${versions.join(', ')} (npm pack, cached in ${cache})`,
    versions: versions.map((v) => measured(v, packed(cache, pkg, v))),
  }
}

export function osTree(dir: string): DataSet {
  return { name: `OS tree ${dir}`, label: 'in place, not copied', versions: [measured('v1', dir)], reread: true }
}

/** Reads every file once so that each tool, the first one included, reads from memory. */
export function warm(set: DataSet): void {
  // Not `> /dev/null`: GNU tar notices that and skips reading file contents.
  for (const v of set.versions) sh(['/bin/bash', '-o', 'pipefail', '-c', 'tar -C "$1" -cf - . | cat > /dev/null', 'warm', v.dir])
}
