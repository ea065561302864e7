// The build parser is pure (DESIGN.md): it imports nothing from `node:` and only from
// within lib/, so it runs unchanged under Deno or in a browser.

import { expect, test } from 'vitest'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const dir = join(import.meta.dirname, '../../../lib/build/parser')
// The files above the parser it may use: errors, and Go's path rules shared with lib/mount.
const OUTSIDE = ['../../errors.js', '../../_gopath.js']

test('lib/build/parser imports nothing from node: and nothing outside lib/', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))
  expect(files.length).toBeGreaterThan(10)
  for (const f of files) {
    const src = readFileSync(join(dir, f), 'utf8')
    const statics = [...src.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1])
    const dynamics = [...src.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1])
    const specs = [...statics, ...dynamics]
    for (const s of specs) {
      expect(s.startsWith('node:'), `${f} imports ${s}`).toBe(false)
      expect(s.startsWith('.'), `${f} imports package ${s}`).toBe(true)
      if (s.startsWith('../')) expect(OUTSIDE, `${f} imports ${s}`).toContain(s)
    }
  }
})

test('lib/_gopath.ts, shared with the parser, imports nothing', () => {
  const src = readFileSync(join(dir, '../../_gopath.ts'), 'utf8')
  expect(src).not.toMatch(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]|\bimport\s*\(/m)
})
