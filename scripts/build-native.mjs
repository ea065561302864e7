#!/usr/bin/env node
// Compile the built-in launcher's native half (native/*.c) into dist/native/store-launch: one
// static binary, because it also runs inside containers as /sbin/docker-init (`run --init`),
// where none of the host's libraries exist. Run by `npm run build` and before `npm test`;
// recompiles only when a source is newer than the binary. Needs a C compiler (gcc or cc) and
// the static C library (Debian: libc6-dev, present wherever g++ is).

import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const srcDir = join(root, 'native')
const out = join(root, 'dist/native/store-launch')
const sources = readdirSync(srcDir).filter((f) => /\.[ch]$/.test(f)).map((f) => join(srcDir, f))

const mtime = (p) => { try { return statSync(p).mtimeMs } catch { return -1 } }
const newest = Math.max(...sources.map(mtime), mtime(fileURLToPath(import.meta.url)))
if (mtime(out) >= newest) process.exit(0)

mkdirSync(dirname(out), { recursive: true })
const tmp = `${out}.tmp-${process.pid}`
const cc = process.env.CC || (spawnSync('gcc', ['--version']).status === 0 ? 'gcc' : 'cc')
const r = spawnSync(cc, ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, ...sources.filter((s) => s.endsWith('.c'))], { stdio: 'inherit' })
if (r.status !== 0) {
  console.error(`build-native: ${cc} failed${r.error ? `: ${r.error.message}` : ''} (needs a C compiler and the static C library, Debian's libc6-dev)`)
  process.exit(1)
}
renameSync(tmp, out)
console.log(`build-native: ${out}`)
