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

// Every command is declared once, with defineCommand (cli/_command.ts): its positionals and flags
// as tables the handler's type comes from. A hand-written module (a `CommandModule` annotation,
// a `builder`, `.option(…)` calls) or a hand-written argument type beside it is refused.

test('cli/commands declares its commands with defineCommand', () => {
  const handWritten = [
    /\bCommandModule\b/,
    /\bbuilder\s*:/,
    /\.(option|options|positional)\s*\(/,
    /\binterface\s+\w*Args\b/,
    /\btype\s+\w*Args\s*=(?!\s*(ArgsOf|InferredOptionTypes)<)/,
  ]
  const dir = join(cli, 'commands')
  const found = sources(dir)
    .flatMap((f) => {
      const text = readFileSync(f, 'utf8')
      return handWritten.filter((re) => re.test(text)).map((re) => `${relative(cli, f)}: ${re.source}`)
    })
  expect(found).toEqual([])
  // A file that declares a command makes it with defineCommand.
  const commandFiles = sources(dir).filter((f) => /\bcommand\s*:\s*['`]/.test(readFileSync(f, 'utf8')))
  expect(commandFiles.length).toBeGreaterThan(20)
  for (const f of commandFiles) expect(readFileSync(f, 'utf8'), relative(cli, f)).toMatch(/\bdefineCommand\(/)
})
