// Lexing rules of REFERENCE §3: continuations, comments, directives, escape char, empty
// files, line numbers. One row per rule.

import { describe, expect, test } from 'vitest'
import { parseDockerfile, type RunInstruction } from '../../../lib/build/parser/index.js'
import { expectParseError, thrown } from './_helpers.js'

const runs = (text: string): RunInstruction[] =>
  parseDockerfile(text).stages[0].instructions.filter((i): i is RunInstruction => i.kind === 'RUN')

const shell = (i: RunInstruction): string => (i.cmd.form === 'shell' ? i.cmd.command : `exec:${JSON.stringify(i.cmd.args)}`)

describe('logical lines', () => {
  const rows: [string, string, string][] = [
    ['a trailing backslash continues the line', 'RUN echo a \\\n  b', 'echo a   b'],
    ['spaces and tabs after the escape are allowed', 'RUN echo a \\  \t\nb', 'echo a b'],
    ['`\\\\` at the end does not continue', 'RUN echo a\\\\\nRUN echo b', 'echo a\\\\'],
    ['a comment line inside a continuation is dropped', 'RUN echo a \\\n# note\n  b', 'echo a   b'],
    ['an indented comment inside a continuation is dropped', 'RUN echo a \\\n    # note \\\nb', 'echo a b'],
    ['a whitespace-only line inside a continuation is dropped', 'RUN echo a \\\n   \nb', 'echo a b'],
    ['an empty line inside a continuation is dropped', 'RUN echo a \\\n\nb', 'echo a b'],
    ['continuation lines keep their leading spaces', 'RUN a\\\n   b', 'a   b'],
    ['the first line is left-trimmed', '   RUN   x', 'x'],
    ['CRLF line endings', 'RUN a \\\r\nb\r\n', 'a b'],
    ['a continuation at end of file ends the instruction', 'RUN a \\', 'a'],
    ['a `#` inside an instruction is not a comment', 'RUN echo a # b', 'echo a # b'],
    ['an escape char alone on a line continues', 'RUN a\\\n\\\nb', 'ab'],
    ['an escaped escape before the last one does not continue (BuildKit regex)', 'RUN a\\\\\\\nRUN b', 'a\\\\\\'],
    ['a comment line ending in the escape char does not continue', 'RUN a\n# c \\\nRUN b', 'a'],
  ]
  test.each(rows)('%s', (_name, body, command) => {
    expect(shell(runs(`FROM scratch\n${body}`)[0])).toBe(command)
  })

  test('an empty continuation line is reported as a warning', () => {
    const df = parseDockerfile('FROM scratch\nRUN a \\\n\nb')
    expect(df.warnings).toEqual(['Empty continuation line found in: RUN a b'])
  })

  test('start and end lines count continuation, comment and blank lines', () => {
    const df = parseDockerfile('# c\n\nFROM scratch\nRUN a \\\n# c\n  b\n\nCMD x\n')
    const [run, cmd] = df.stages[0].instructions
    expect(df.stages[0].from.startLine).toBe(3)
    expect([run.startLine, run.endLine]).toEqual([4, 6])
    expect([cmd.startLine, cmd.endLine]).toEqual([8, 8])
  })

  test('a byte-order mark before the first line is ignored', () => {
    expect(parseDockerfile('\ufeffFROM scratch').stages[0].from.image).toBe('scratch')
  })

  test('the original text joins continuations and drops comment lines', () => {
    const [run] = runs('FROM scratch\nRUN apt-get update \\\n  # why\n  && make')
    expect(run.original).toBe('RUN apt-get update   && make')
  })
})

describe('parser directives', () => {
  test('`# escape=`` ` makes the backtick the escape and continuation char', () => {
    const df = parseDockerfile('# escape=`\nFROM scratch\nRUN echo a `\n  b \\\nRUN c')
    expect(df.escapeChar).toBe('`')
    expect(df.directives).toEqual([{ name: 'escape', value: '`', line: 1 }])
    expect(runs('# escape=`\nFROM scratch\nRUN dir c:\\ `\n  d').map(shell)).toEqual(['dir c:\\   d'])
    expect(df.stages[0].instructions.map((i) => i.original)).toEqual(['RUN echo a   b \\', 'RUN c'])
  })

  test('syntax, escape and check are recorded with their lines, keys case-insensitive', () => {
    const df = parseDockerfile('# syntax=docker/dockerfile:1\n#ESCAPE = \\\n# check=skip=all\nFROM scratch')
    expect(df.directives).toEqual([
      { name: 'syntax', value: 'docker/dockerfile:1', line: 1 },
      { name: 'escape', value: '\\', line: 2 },
      { name: 'check', value: 'skip=all', line: 3 },
    ])
  })

  test.each([
    ['after an instruction', 'FROM scratch\n# escape=`\nRUN a `\nRUN b'],
    ['after a blank line', '\n# escape=`\nFROM scratch\nRUN a `\nRUN b'],
    ['after a plain comment', '# hello\n# escape=`\nFROM scratch\nRUN a `\nRUN b'],
    ['after an unknown directive', '# foo=bar\n# escape=`\nFROM scratch\nRUN a `\nRUN b'],
  ])('a directive %s is only a comment', (_n, text) => {
    const df = parseDockerfile(text)
    expect(df.escapeChar).toBe('\\')
    expect(df.stages[0].instructions).toHaveLength(2)
  })

  test('a repeated directive is an error at its line', () => {
    expectParseError('# escape=`\n# escape=\\\nFROM scratch', 2, 'only one escape parser directive can be used')
  })

  test('an invalid escape token is an error', () => {
    expectParseError('# escape=x\nFROM scratch', 1, "invalid escape token 'x' does not match ` or \\")
  })
})

describe('whole-file errors', () => {
  test.each([
    ['an empty file', '', 1],
    ['only blank lines', '\n\n  \n', 3],
    ['only comments', '# a\n# b\n', 2],
    ['only a directive', '# syntax=x\n', 1],
  ])('%s has no instructions', (_n, text, line) => {
    expectParseError(text, line, 'file with no instructions')
  })

  test('instructions are case-insensitive', () => {
    const df = parseDockerfile('from scratch AS Build\nRuN echo\ncopy a b')
    expect(df.stages[0].name).toBe('build')
    expect(df.stages[0].instructions.map((i) => i.kind)).toEqual(['RUN', 'COPY'])
  })

  test('an unknown instruction names the word as written, with a suggestion', () => {
    expectParseError('FROM scratch\nCOPPY a b', 2, 'unknown instruction: COPPY')
    expect(thrown(() => parseDockerfile('FROM scratch\nCOPPY a b')).hint).toBe('did you mean COPY?')
    expectParseError('FROM scratch\n\nfoo bar', 3, 'unknown instruction: foo')
  })

  test('an instruction other than ARG before FROM is an error', () => {
    expectParseError('ARG A=1\nRUN x\nFROM scratch', 2, 'no build stage in current context')
  })

  test('a file with only ARGs has no stages', () => {
    expectParseError('ARG A\nARG B', 2, 'dockerfile contains no stages to build')
  })
})
