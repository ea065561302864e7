// The CLI is typed through: no `as any` in cli/ (yargs' builders type their arguments; the two
// internals of yargs it reaches have an interface of their own in _run.ts).

import { expect, test } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const cli = join(import.meta.dirname, '../../cli')
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? sources(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []))

test('no `as any` in cli/', () => {
  const found = sources(cli).filter((f) => /\bas any\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(cli, f))
  expect(found).toEqual([])
})
