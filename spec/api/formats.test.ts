// The pure tier (lib/formats.ts, the package's `./formats` export) runs unchanged under Node,
// under Deno from the TypeScript sources, and bundled for a browser: the same probe
// (spec/api/_probe.ts) gives the same answer in all three. Deno is npm's `deno` package (a dev
// dependency); the browser is an esbuild bundle for the browser platform started in a fresh
// V8 context that has no `process`, `Buffer`, `require` or Node module loader.

import { describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { Script, createContext, runInContext } from 'node:vm'
import { build } from 'esbuild'
import * as formats from '../../lib/formats.js'
import { probe } from './_probe.js'
import { unavailable } from '../_fixtures/requires.js'

const repo = resolve(import.meta.dirname, '../..')
const deno = join(repo, 'node_modules/.bin/deno')
const PACKAGES = ['hash-wasm', 'fflate', '@hpcc-js/wasm-zstd']

/**
 * The modules reachable from `entry`, and the packages and built-ins they import. `loaded` is
 * what loading the entry loads (static imports only); `backends` what a loader may import
 * later (behind a dynamic import), where node: is allowed.
 */
function importGraph(entry: string) {
  const loaded = new Set<string>()
  const all = new Set<string>()
  const external: { file: string; spec: string; loaded: boolean }[] = []
  const walk = (f: string, onLoad: boolean) => {
    if (onLoad ? loaded.has(f) : all.has(f)) return
    if (onLoad) loaded.add(f)
    all.add(f)
    const src = readFileSync(f, 'utf8')
    const statics = [...src.matchAll(/^\s*(?:import|export)\b(?!\s+type\b)[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)].map((m) => [m[1] ?? m[2], true] as const)
    const dynamics = [...src.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => [m[1], false] as const)
    for (const [s, isStatic] of [...statics, ...dynamics]) {
      if (!s.startsWith('.')) {
        external.push({ file: f.slice(repo.length + 1), spec: s, loaded: onLoad && isStatic })
        continue
      }
      const target = resolve(dirname(f), s.replace(/\.js$/, '.ts'))
      if (!existsSync(target)) throw new Error(`${f} imports ${s}, which does not exist`)
      walk(target, onLoad && isStatic)
    }
  }
  walk(entry, true)
  return { loaded, all, external }
}

test('loading lib/formats.ts loads nothing from node:, and it reaches only the design\'s packages', () => {
  const { loaded, all, external } = importGraph(join(repo, 'lib/formats.ts'))
  expect(loaded.size).toBeGreaterThan(40)
  for (const { file, spec, loaded } of external) {
    if (spec.startsWith('node:')) expect(loaded, `${file} imports ${spec} as the entry loads`).toBe(false)
    else expect(PACKAGES, `${file} imports ${spec}`).toContain(spec)
  }
  // The walk does see the Node backends (behind dynamic imports): node:zlib and node:crypto.
  expect(all.size).toBeGreaterThan(loaded.size)
  expect(external.filter((e) => e.spec === 'node:zlib' || e.spec === 'node:crypto').length).toBeGreaterThan(1)
})

describe('the same answer under Node, Deno and in a browser sandbox', async () => {
  const { backends, ...expected } = JSON.parse(await probe(formats))
  const answer = (json: string) => {
    const { backends, ...rest } = JSON.parse(json)
    return { backends, rest }
  }
  const blob = new Uint8Array(1 << 20)
  let x = 12345
  for (let i = 0; i < blob.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    blob[i] = x >>> 24
  }

  test('under Node (the reference)', () => {
    expect(backends).toEqual({ chunker: 'wasm', hash: 'native', codec: 'zlib' })
    expect(expected.sha256).toBe(`sha256:${createHash('sha256').update(blob).digest('hex')}`)
    expect(expected.cuts.reduce((a: number, b: number) => a + b, 0)).toBe(blob.length)
    expect(expected.cuts.length).toBeGreaterThan(8)
    expect(expected.codec).toEqual({ stored: true, roundTrip: true })
    expect(expected.tar.read).toEqual(['dir:etc/:0', 'file:etc/greeting:6'])
    expect(expected.dockerfile).toEqual([['base', 'RUN'], ['', 'COPY CMD']])
    expect(expected.reference).toMatchObject({ name: 'registry.example:5000/acme/app', tag: '1.2' })
  })

  const noDeno = unavailable('the Deno spec', existsSync(deno) ? undefined : `${deno} is missing (npm ci installs the deno package)`)
  test.skipIf(noDeno)('under Deno, from the TypeScript sources, allowed to read the repository and the environment only', () => {
    const r = spawnSync(deno, ['run', `--allow-read=${repo}`, '--allow-env', join(repo, 'spec/api/_probeDeno.ts')], { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(answer(r.stdout).rest).toEqual(expected)
  })

  test('bundled for the browser, in a context without Node (WebAssembly hashing, JavaScript codecs)', async () => {
    const out = await build({
      entryPoints: [join(repo, 'spec/api/_probeBrowser.ts')], bundle: true, platform: 'browser', format: 'iife', write: false, logLevel: 'error',
      // The Node backends stay dynamic imports, which fail here as in a browser, and the loaders fall back.
      external: ['node:*'],
    })
    const ctx = createContext({ console, setTimeout, clearTimeout, queueMicrotask })
    expect(runInContext('[typeof process, typeof Buffer, typeof require, typeof WebAssembly].join()', ctx)).toBe('undefined,undefined,undefined,object')
    // What a browser has and a bare V8 context does not, made in the context's own realm (an
    // outer-realm Uint8Array would fail the library's instanceof checks, as no browser would).
    runInContext(BROWSER_GLOBALS, ctx)
    new Script(out.outputFiles[0].text).runInContext(ctx)
    const got = answer(await ctx.runProbe())
    expect(got.backends).toEqual({ chunker: 'wasm', hash: 'wasm', codec: 'fflate' })
    expect(got.rest).toEqual(expected)
  })
})

const BROWSER_GLOBALS = `
globalThis.TextEncoder = class { encode(s) { const u = unescape(encodeURIComponent(s)); const a = new Uint8Array(u.length); for (let i = 0; i < u.length; i++) a[i] = u.charCodeAt(i); return a } }
globalThis.TextDecoder = class { decode(a) { let s = ''; for (const b of a ?? []) s += String.fromCharCode(b); return decodeURIComponent(escape(s)) } }
globalThis.atob = (s) => { const t = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'; let o = '', b = 0, n = 0; for (const c of s.replace(/=+$/, '')) { b = (b << 6) | t.indexOf(c); n += 6; if (n >= 8) { n -= 8; o += String.fromCharCode((b >> n) & 255) } } return o }
`
