// The library's tiers (DESIGN.md, issue 14): each module imports only from its own tier and the
// tiers before it, types included, so there is no cycle between folders and a lower tier never
// knows a higher one (gc, which must know every service's roots, sits in system; rmi gets what
// it needs of containers and gc from the API that calls it). Every file of lib/ is in exactly
// one tier, by its folder (a root-level file by its name): a new folder or root file fails here
// until it is placed.

import { expect, test } from 'vitest'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const repo = resolve(import.meta.dirname, '..')
const lib = join(repo, 'lib')

const TIERS = ['formats', 'core', 'images', 'containers', 'builder', 'system', 'api'] as const
type Tier = (typeof TIERS)[number]

/** Folders (first path segment, or two for build/parser) and root-level files, by tier. */
const PLACES: Record<Tier, string[]> = {
  formats: ['digest/', 'chunk/', 'codec/', 'tar/', 'build/parser/', 'errors.ts', '_bytes.ts', '_gopath.ts', '_wasm.ts', '_workerPool.ts', 'progress.ts', 'units.ts', '_sizes.ts', 'reference.ts', 'version.ts', 'filters.ts'],
  core: ['cas/', 'layer/', 'driver/', 'runtime/', 'snapshot/', 'fsroot/', 'lock/', 'layout.ts', '_fs.ts', '_lock.ts', '_paths.ts', '_heap.ts', '_outputFile.ts', '_leftovers.ts', 'platform.ts', '_exec.ts', '_rm.ts', '_pid.ts', '_xattr.ts', '_treeSize.ts', 'events.ts', 'store.ts', 'config.ts', 'imageRecords.ts'],
  images: ['image/', 'mount/', 'registry/'],
  containers: ['container/', 'network/'],
  builder: ['build/'],
  system: ['system/', 'fsck.ts'],
  api: ['index.ts', 'formats.ts'],
}

/** The place (a folder of PLACES, or a root-level file) a file of lib/ is in, and its tier. */
function placeOf(file: string): { place: string; tier: Tier } | undefined {
  const r = relative(lib, file)
  let best: { place: string; tier: Tier } | undefined
  for (const tier of TIERS) {
    for (const p of PLACES[tier]) {
      const hit = p.endsWith('/') ? r.startsWith(p) : r === p
      if (hit && (!best || p.length > best.place.length)) best = { place: p, tier }
    }
  }
  return best
}
const tierOf = (file: string): Tier | undefined => placeOf(file)?.tier

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : f.endsWith('.ts') ? [p] : []
  })
}

/** Relative imports of a file (static, type-only and dynamic), resolved to .ts files. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8')
  const specs = [
    ...[...src.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"](\.[^'"]+)['"]/gm)].map((m) => m[1]),
    ...[...src.matchAll(/\bimport\s*\(\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1]),
    ...[...src.matchAll(/\bimport\(['"](\.[^'"]+)['"]\)\./g)].map((m) => m[1]), // import('x').T in types
  ]
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts'))).filter((t) => existsSync(t))
}

test('every file of lib/ has a tier', () => {
  const unplaced = sources(lib).filter((f) => tierOf(f) === undefined).map((f) => relative(lib, f))
  expect(unplaced).toEqual([])
})

test('every import in lib/ goes to the same tier or one before it', () => {
  const wrong: string[] = []
  for (const f of sources(lib)) {
    const from = TIERS.indexOf(tierOf(f)!)
    for (const t of importsOf(f)) {
      if (!t.startsWith(lib + '/')) continue
      const to = TIERS.indexOf(tierOf(t)!)
      if (to > from) wrong.push(`${relative(lib, f)} (${TIERS[from]}) imports ${relative(lib, t)} (${TIERS[to]})`)
    }
  }
  expect(wrong).toEqual([])
})

test('no import cycle between the places of lib/ (the folders and root-level files above)', () => {
  const folder = (f: string) => placeOf(f)!.place
  const edges = new Map<string, Set<string>>()
  for (const f of sources(lib)) {
    for (const t of importsOf(f)) {
      if (!t.startsWith(lib + '/') || folder(t) === folder(f)) continue
      let s = edges.get(folder(f))
      if (!s) edges.set(folder(f), (s = new Set()))
      s.add(folder(t))
    }
  }
  // A folder that reaches itself through others is a cycle.
  const cycles: string[] = []
  for (const start of edges.keys()) {
    const seen = new Set<string>()
    const stack: [string, string[]][] = [...(edges.get(start) ?? [])].map((n) => [n, [start, n]])
    while (stack.length) {
      const [n, path] = stack.pop()!
      if (n === start) {
        cycles.push(path.join(' -> '))
        break
      }
      if (seen.has(n)) continue
      seen.add(n)
      for (const m of edges.get(n) ?? []) stack.push([m, [...path, m]])
    }
  }
  expect(cycles).toEqual([])
})

test('cli/ reaches lib/ only through its public API (lib/index.ts), types included', () => {
  // The one exception: cli/version.ts takes the version constant from lib/version.ts, which
  // `store --version` prints from the loader before anything else is loaded (cli/main.ts).
  const allowed = new Set([join(lib, 'index.ts')])
  const wrong: string[] = []
  for (const f of sources(join(repo, 'cli'))) {
    for (const t of importsOf(f)) {
      if (!t.startsWith(lib + '/') || allowed.has(t)) continue
      if (relative(repo, f) === 'cli/version.ts' && t === join(lib, 'version.ts')) continue
      wrong.push(`${relative(repo, f)} imports ${relative(repo, t)}`)
    }
  }
  expect(wrong).toEqual([])
})

test('no import cycle between the files of lib/, types included', () => {
  // Within a folder too: a shared type lives in a module both import (e.g. layer/_ingestTypes.ts),
  // not in one of them.
  const files = sources(lib)
  const edges = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(lib + '/'))]))
  const cycles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const walk = (f: string, path: string[]) => {
    state.set(f, 'open')
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...path.slice(path.indexOf(t)), t].map((x) => relative(lib, x)).join(' -> '))
      else if (!state.has(t)) walk(t, [...path, t])
    }
    state.set(f, 'done')
  }
  for (const f of files) if (!state.has(f)) walk(f, [f])
  expect(cycles).toEqual([])
})
