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
}

const QUICK = process.env.STORE_BENCH_QUICK === '1'

// Not `typescript`: our own verification uses it. Both ≥ 10 MB unpacked per version.
export const DEFAULT_PATCH = '@angular/core@17.3.0,17.3.1,17.3.2,17.3.3'
export const DEFAULT_MINOR = 'three@0.160.0,0.161.0,0.162.0,0.163.0,0.164.0,0.165.0,0.166.0,0.167.0,0.168.0,0.169.0'
// 693 MB in 2,313 files on this machine; /usr/share (576 MB, 46,647 files) stresses per-file costs.
export const DEFAULT_OS = QUICK ? '/usr/lib/x86_64-linux-gnu/gconv' : '/usr/lib/x86_64-linux-gnu'

function sh(argv: string[], cwd?: string): string {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? r.stderr}`)
  return r.stdout
}

function measured(tag: string, dir: string): Version {
  const bytes = Number(sh(['du', '-sb', dir]).split('\t')[0])
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
  return { tag, dir, bytes, files }
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
  return { name: 'OS tree', label: `${dir} (in place)`, versions: [measured('v1', dir)] }
}

/** Reads every file once so that each tool, the first one included, reads from memory. */
export function warm(set: DataSet): void {
  // Not `> /dev/null`: GNU tar notices that and skips reading file contents.
  for (const v of set.versions) sh(['/bin/bash', '-o', 'pipefail', '-c', 'tar -C "$1" -cf - . | cat > /dev/null', 'warm', v.dir])
}
