#!/usr/bin/env node
// Bundle the two entry points (cli/main.ts, cli/monitor.ts) with esbuild into dist/cli/, over
// what tsc wrote there. Why: Node 20 resolves and loads ESM one file at a time, and `store run`
// touched ~150 files (ours, yargs and its helpers) before doing any work: about 130 ms of a
// 0.5 s run. One bundle per entry plus lazily loaded chunks (so `--version` and the commands
// that do not need a module never load it) cut that to a few milliseconds.
// The chunks land next to the entries in dist/cli/, one level under dist/ as every file of
// dist/lib is: paths made relative to import.meta.url (lib/_paths.ts) hold in both layouts.

import { build } from 'esbuild'
import { chmodSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist/cli')
// Chunks of an earlier bundle: their names change with their content.
for (const f of await readdir(out).catch(() => [])) if (f.startsWith('chunk-')) await rm(join(out, f))

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

await build({
  absWorkingDir: root,
  entryPoints: { main: 'cli/main.ts', monitor: 'cli/monitor.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // CommonJS dependencies inside an ESM bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as __storeRequire } from 'node:module'; const require = __storeRequire(import.meta.url);" },
  plugins: [lazyStringWidth],
  logLevel: 'warning',
})
for (const f of ['main.js', 'monitor.js']) chmodSync(join(out, f), 0o755)
