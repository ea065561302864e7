// Consecutive releases of npm packages as benchmark data: each fetched once with `npm pack
// <name>@<version>` and unpacked with `tar xzf` into a cache folder (STORE_BENCH_CACHE, default
// $TMPDIR/store-bench-versions), then read as the files of its `package/` folder in path
// order. Also the per-file reference the issue measured: `zstd -3 --patch-from` against the
// same path in the previous release (a new path: plain `zstd -3`).

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface VersionFile {
  path: string
  data: Uint8Array
}

export interface Release {
  version: string
  dir: string
  files: VersionFile[]
  bytes: number
}

const cacheDir = (): string => process.env.STORE_BENCH_CACHE ?? join(tmpdir(), 'store-bench-versions')

function run(cmd: string, args: string[], cwd?: string): Buffer {
  const r = spawnSync(cmd, args, { cwd, maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr.toString().trim()}`)
  return r.stdout
}

/** The release unpacked in the cache (fetched on first use). */
export function fetchRelease(name: string, version: string): string {
  const dir = join(cacheDir(), `${name.replace('/', '+')}-${version}`)
  if (existsSync(join(dir, 'package'))) return join(dir, 'package')
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const tgz = run('npm', ['pack', `${name}@${version}`, '--silent'], tmp).toString().trim().split('\n').pop()!
  run('tar', ['xzf', tgz], tmp)
  rmSync(join(tmp, tgz))
  rmSync(dir, { recursive: true, force: true })
  renameSync(tmp, dir)
  return join(dir, 'package')
}

export function loadRelease(name: string, version: string): Release {
  const dir = fetchRelease(name, version)
  const files: VersionFile[] = []
  const visit = (rel: string) => {
    for (const n of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${n}` : n
      const st = statSync(join(dir, path))
      if (st.isDirectory()) visit(path)
      else if (st.isFile() && st.size > 0) files.push({ path, data: readFileSync(join(dir, path)) })
    }
  }
  visit('')
  return { version, dir, files, bytes: files.reduce((n, f) => n + f.data.length, 0) }
}

/** Bytes of `zstd -3` of each file of `cur`, with `--patch-from` the same path of `prev` where it exists. */
export function patchFromBytes(prev: Release | undefined, cur: Release): number {
  let total = 0
  for (const f of cur.files) {
    const old = prev && join(prev.dir, f.path)
    const args = old && existsSync(old) ? ['-q', '-3', `--patch-from=${old}`, '-c', join(cur.dir, f.path)] : ['-q', '-3', '-c', join(cur.dir, f.path)]
    total += run('zstd', args).length
  }
  return total
}

/** Bytes of `zstd -3` over the release's files concatenated (what `tar | zstd -3` stores, less headers). */
export function wholeZstdBytes(cur: Release): number {
  const r = spawnSync('zstd', ['-q', '-3', '-c'], { input: Buffer.concat(cur.files.map((f) => f.data)), maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`zstd -3: ${r.stderr.toString().trim()}`)
  return r.stdout.length
}
