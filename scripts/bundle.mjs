#!/usr/bin/env node
// Bundle the CLI with esbuild into dist/cli/, over what tsc wrote there: store.cjs (the CLI),
// main.js (its loader, the `store` binary) and monitor.js. Why: Node resolves and loads ESM
// one file at a time, and `store run` touched ~150 files (ours, yargs and its helpers) before
// doing any work: about 130 ms of a 0.5 s run. One file, compiled with a V8 code cache made
// here (see cli/main.ts), cuts loading to a few milliseconds.
// The files land in dist/cli/, one level under dist/ as every file of dist/lib is: paths made
// relative to import.meta.url (lib/_paths.ts) hold in both layouts.

import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { readdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist/cli')
// A cache of an earlier bundle goes first (main.js would not use it, see there).
rmSync(join(out, 'store.cjs.cache'), { force: true })

// string-width (cliui's, for yargs' help layout) builds three Intl.Segmenters and Unicode
// property regexes when loaded: ~40 ms on every command, for text only --help lays out. This
// stand-in answers printable ASCII itself (width = length) and loads the real one on first need.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (a) => (a.namespace === 'lazy' ? undefined : { path: 'string-width', namespace: 'lazy' }))
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      resolveDir: root,
      contents: `let real
export default function stringWidth(s, o) {
  if (typeof s === 'string' && /^[\\x20-\\x7e]*$/.test(s)) return s.length
  real ??= require('string-width').default
  return real(s, o)
}`,
    }))
  },
}

const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node24', plugins: [lazyStringWidth], logLevel: 'warning' }

// 1. The CLI proper: one CommonJS file, so that main.js can compile it with a V8 code cache.
//    Modules reached only by `await import()` stay lazy (esbuild initialises them on first use).
const cli = join(out, 'store.cjs')
await build({
  ...common,
  entryPoints: ['cli/_entry.ts'],
  outfile: cli,
  format: 'cjs',
  // Less to read and hash at every start; names stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  // lib/_paths.ts finds the monitor next to the running file.
  define: { 'import.meta.url': '__storeFileUrl' },
  banner: { js: "const __storeFileUrl = require('node:url').pathToFileURL(__filename).href;" },
})
// esbuild keeps `import("node:fs")` as is; a script compiled by node:vm has no loader for it.
// The built-ins are all CommonJS underneath: require() gives the same object.
const text = readFileSync(cli, 'utf8').replace(/\bimport\("(node:[a-z_/]+)"\)/g, 'Promise.resolve(require("$1"))')
const left = text.match(/\bimport\(["'`][^"'`]*/)
if (left) throw new Error(`bundle.mjs: store.cjs still has a dynamic ${left[0]}`)
// main.js reads it as latin1 (a one-byte string, no UTF-8 decoding): it must be ASCII.
if (/[^\x00-\x7f]/.test(text)) throw new Error('bundle.mjs: store.cjs is not ASCII')
writeFileSync(cli, text)

// 2. The loader (cli/main.ts) and the per-container monitor, each one CommonJS file: dist/cli
//    holds only what this script makes (tsc's ES module copies of cli/ go; nothing loads them),
//    and its package.json says CommonJS, which Node starts ~10 ms sooner than an ES module.
for (const f of await readdir(out)) {
  if (!['store.cjs', 'main.js', 'monitor.js'].includes(f)) await rm(join(out, f), { recursive: true, force: true })
}
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n')
await build({
  ...common,
  entryPoints: { main: 'cli/main.ts', monitor: 'cli/monitor.ts' },
  outdir: out,
  format: 'cjs',
  define: { 'import.meta.url': '__storeFileUrl' },
  banner: { js: "const __storeFileUrl = require('node:url').pathToFileURL(__filename).href;" },
})
for (const f of ['main.js', 'monitor.js']) chmodSync(join(out, f), 0o755)

// 3. The code cache, from a real `store run` on a throw-away store (an image of one empty file,
//    a command that is not there: status 127): it covers yargs, opening a store, creating,
//    launching and removing a container, the path where start-up time matters most. Without
//    root or namespaces the run fails early and the cache covers less; it is still written.
const tmp = mkdtempSync(join(tmpdir(), 'store-bundle-'))
try {
  const store = (args, env = {}) =>
    spawnSync(process.execPath, [join(out, 'main.js'), '--root', join(tmp, 'root'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    })
  mkdirSync(join(tmp, 'rootfs'))
  writeFileSync(join(tmp, 'rootfs/empty'), '')
  const imported = store(['import', join(tmp, 'rootfs'), 'train'])
  if (imported.status !== 0) throw new Error(`bundle.mjs: training import failed: ${imported.stderr}`)
  store(['run', '--rm', 'train', '/nothing'], { STORE_CODE_CACHE: 'write' })
  if (!existsSync(`${cli}.cache`)) process.stderr.write('bundle.mjs: warning: no code cache was written; every command compiles the CLI\n')
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
