#!/usr/bin/env -S node --
// store: the command line. Commands are declarations with short handlers; each handler loads
// what it needs lazily, so `store --version` in a pipeline starts in tens of milliseconds.
//
// Why this file is a loader: the CLI proper is one CommonJS bundle (dist/cli/store.cjs, made by
// scripts/bundle.mjs) compiled through node:vm with a V8 code cache made at build time
// (store.cjs.cache): parsing and compiling ~1 MB of JavaScript (ours and yargs) was ~35 ms of
// every command. Node 24's own module.enableCompileCache() was measured against it (2026-12-03,
// medians of 21 interleaved runs): `store images -q` 52.3 ms against 50.2, `store run --rm
// busybox true` 95.6 ms against 83.1: Node caches what it compiles when a module loads, ours
// also every function a real `store run` compiled later (lazily), and Node's cache is written
// into a temp dir by users' commands where ours is made once, by the build. A cache that V8
// rejects (another Node) or made from another bundle only costs the normal compile. It is
// written only when the build asks (STORE_CODE_CACHE=write), never by a user's command;
// STORE_CODE_CACHE=check says on stderr whether it was used. The
// bundle is ASCII (bundle.mjs checks): latin1 reads it without decoding UTF-8. This file is
// bundled as CommonJS too (dist/cli/package.json): an ES module entry costs Node ~10 ms more.

import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Script } from 'node:vm'
import { VERSION } from './version.js'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  // Fast path: no yargs, no store.
  process.stdout.write(`store version ${VERSION}\n`)
  process.exit(0)
}

const file = join(__dirname, 'store.cjs')
const cacheFile = `${file}.cache`
const bytes = readFileSync(file)
// V8 checks a cache against the source's length only: the cache file starts with the SHA-256 of
// the source it was made from, and is used only for that source (hashing is ~2 ms).
// (node:crypto is required here, not imported: --version above does without its ~5 ms.)
const { createHash } = require('node:crypto') as typeof import('node:crypto')
const digest = createHash('sha256').update(bytes).digest()
let cachedData: Buffer | undefined
try {
  const c = readFileSync(cacheFile)
  if (c.subarray(0, 32).equals(digest)) cachedData = c.subarray(32)
} catch {
  // no cache: compile as usual
}
// Node's CommonJS wrapper, on one line so that stack traces keep the bundle's line numbers.
// ASCII (bundle.mjs checks), so latin1 is exact, and V8 keeps it as a one-byte string.
const text = bytes.toString('latin1')
const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${text}\n})`, { filename: file, cachedData })
const mode = process.env.STORE_CODE_CACHE
if (mode === 'check') process.stderr.write(`code cache: ${!cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used'}\n`)
if (mode === 'write') {
  // At exit the cache holds every function this run compiled (the build runs a command).
  const save = () => {
    writeFileSync(`${cacheFile}.tmp`, Buffer.concat([digest, script.createCachedData()]))
    renameSync(`${cacheFile}.tmp`, cacheFile)
  }
  const exit = process.exit
  process.exit = ((code?: number) => {
    save()
    return exit.call(process, code)
  }) as typeof process.exit
  process.once('beforeExit', save)
}
const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(file), module, file, __dirname)
