// Property tests: no input crashes the parser; every error is a DOCKERFILE_PARSE StoreError
// whose message and data name a line of the input; line numbers are consistent; ONBUILD
// triggers read back to the same instruction; expansion and .dockerignore never crash.

import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { Codes, StoreError } from '../../../lib/errors.js'
import {
  createIgnoreMatcher, expand, expandWords, parseDockerfile, parseDockerignore, parseInstruction,
} from '../../../lib/build/parser/index.js'
import { exitStatus } from '../../../cli/_exit.js'

// Pieces that exercise every branch of the lexer and the instruction parsers.
const TOKENS = [
  'FROM', 'from', 'RUN', 'CMD', 'ENV', 'LABEL', 'ARG', 'COPY', 'ADD', 'ONBUILD', 'HEALTHCHECK', 'SHELL',
  'EXPOSE', 'VOLUME', 'USER', 'WORKDIR', 'STOPSIGNAL', 'MAINTAINER', 'ENTRYPOINT', 'NONE', 'AS', 'CMD',
  ' ', ' ', '  ', '\t', '\n', '\n', '\r\n', '\\', '\\\n', '`', '#', '# escape=`', '# syntax=x', '\ufeff',
  '"', "'", '[', ']', '["a", "b"]', '[1]', '{', '}', '$', '${A}', '${A:-x}', '${A:?e}', '=', 'a', 'b=c',
  '--from=x', '--mount=type=cache,target=/c', '--link', '--interval=5s', '--retries=2', '--', '-',
  '<<EOF', '<<-EOF', '<<"EOF"', '3<<A', 'EOF', 'A', '/dst', 'x', '80/tcp', '1-2', ':',
]
const dockerfileish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''))
// Valid instructions with random words, so that round-trip properties have work to do.
const w = fc.stringMatching(/^[a-zA-Z0-9_./$:-]{1,10}$/)
const validInstruction = fc.tuple(fc.nat(11), w, w).map(([k, a, b]) => [
  `RUN ${a} ${b}`, `COPY --chown=${a} ${b} /d/`, `ENV K_${k}=${a} L="${b} x"`, `CMD ["${a}", "${b}"]`,
  `RUN <<EOF\n${a}\n\t${b}\nEOF`, `ADD <<-"X" ${a} /d\n\t${b}\n\tX`, `HEALTHCHECK --interval=5s CMD ${a}`,
  `LABEL ${'l' + k}="${a}"`, `WORKDIR /${a}`, `USER ${a}`, `EXPOSE 80 ${k}`, `VOLUME ["/${a}"]`,
][k])
const anyText = fc.oneof(dockerfileish, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 80 }))

const lineCount = (text: string): number => Math.max(1, text.split('\n').length)

function checkError(e: unknown, text: string): void {
  expect(e).toBeInstanceOf(StoreError)
  const err = e as StoreError
  expect(err.code).toBe(Codes.DOCKERFILE_PARSE)
  expect(exitStatus(err, 'build')).toBe(1)
  const line = err.data.line
  expect(typeof line).toBe('number')
  expect(Number.isInteger(line) && (line as number) >= 1 && (line as number) <= lineCount(text)).toBe(true)
  expect(err.message.startsWith(`dockerfile parse error on line ${line}: `)).toBe(true)
}

describe('parseDockerfile properties', () => {
  test('never crashes: it returns, or throws a StoreError naming a line of the input', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        try {
          parseDockerfile(text)
        } catch (e) {
          checkError(e, text)
        }
      }),
      { numRuns: 1500 },
    )
  })

  test('the same after a valid FROM: errors still name a line, instructions have ordered lines', () => {
    fc.assert(
      fc.property(dockerfileish, (body) => {
        const text = `FROM scratch\n${body}`
        try {
          const df = parseDockerfile(text)
          let last = 0
          for (const s of df.stages) {
            for (const i of [s.from, ...s.instructions]) {
              expect(i.startLine).toBeGreaterThan(last)
              expect(i.endLine).toBeGreaterThanOrEqual(i.startLine)
              expect(i.endLine).toBeLessThanOrEqual(lineCount(text))
              last = i.endLine
            }
          }
        } catch (e) {
          checkError(e, text)
        }
      }),
      { numRuns: 1500 },
    )
  })

  test('ONBUILD -- X: the end-of-flags marker is not part of the stored trigger (seed -857272691 found it)', () => {
    const ob = parseDockerfile('FROM scratch\nONBUILD --  VOLUME  FROM').stages[0].instructions[0]
    if (ob.kind !== 'ONBUILD') throw new Error('not ONBUILD')
    expect(ob.trigger).toBe('VOLUME  FROM')
    expect(parseInstruction(ob.trigger)).toMatchObject({ kind: 'VOLUME', volumes: ['FROM'] })
  })

  test('an ONBUILD trigger reads back to the instruction ONBUILD parsed', () => {
    let roundTrips = 0
    fc.assert(
      fc.property(fc.oneof(validInstruction, dockerfileish), (body) => {
        let df
        try {
          df = parseDockerfile(`FROM scratch\nONBUILD ${body}`)
        } catch {
          return // not a valid instruction: nothing to compare
        }
        const ob = df.stages[0].instructions[0]
        if (ob?.kind !== 'ONBUILD') return
        const again = parseInstruction(ob.trigger, ob.startLine)
        const strip = ({ startLine, endLine, original, ...rest }: Record<string, unknown>) => rest
        expect(strip(again as never)).toEqual(strip(ob.instruction as never))
        roundTrips++
      }),
      { numRuns: 800 },
    )
    expect(roundTrips).toBeGreaterThan(200) // the property was exercised, not vacuous
  })

  test('a continuation splits a line without changing the instruction', () => {
    const word = fc.stringMatching(/^[a-z0-9_.][a-z0-9_./-]{0,7}$/)
    fc.assert(
      fc.property(fc.array(word, { minLength: 2, maxLength: 6 }), fc.nat(5), (words, at) => {
        const k = 1 + (at % (words.length - 1))
        const joined = parseDockerfile(`FROM x\nRUN ${words.join(' ')}`).stages[0].instructions[0]
        const split = parseDockerfile(`FROM x\nRUN ${words.slice(0, k).join(' ')} \\\n# c\n${words.slice(k).join(' ')}`)
          .stages[0].instructions[0]
        expect(split.kind === 'RUN' && split.cmd).toEqual(joined.kind === 'RUN' && joined.cmd)
      }),
    )
  })
})

describe('expansion properties', () => {
  const vars = new Map([['A', 'x y'], ['B', ''], ['C', '$A']])
  test('expand and expandWords return strings or throw DOCKERFILE_PARSE', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom<'\\' | '`'>('\\', '`'), (word, esc) => {
        for (const f of [() => expand(word, vars, esc), () => expandWords(word, vars, esc)]) {
          try {
            f()
          } catch (e) {
            expect(e).toBeInstanceOf(StoreError)
            expect((e as StoreError).code).toBe(Codes.DOCKERFILE_PARSE)
          }
        }
      }),
      { numRuns: 1000 },
    )
  })

  test('pattern operators never fail with anything but DOCKERFILE_PARSE', () => {
    const op = fc.constantFrom('#', '##', '%', '%%', '/', '//', ':-', '-', ':+', '+', ':?', '?', ':#', '*')
    const pat = fc.array(fc.constantFrom('*', '?', '\\', '[', ']', '(', ')', '.', '/', 'x', '}', '{', '$', '"', "'", '^', '|'), { maxLength: 8 }).map((t) => t.join(''))
    fc.assert(
      fc.property(op, pat, (o, p) => {
        try {
          expect(typeof expand(`\${A${o}${p}}`, vars)).toBe('string')
        } catch (e) {
          expect(e).toBeInstanceOf(StoreError)
          expect((e as StoreError).code).toBe(Codes.DOCKERFILE_PARSE)
        }
      }),
      { numRuns: 2000 },
    )
  })

  test('a word without $, quotes or escapes is unchanged', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((s) => !/[$'"\\]/.test(s)), (word) => {
        expect(expand(word, vars)).toBe(word)
      }),
    )
  })

  test('single-quoting protects anything without a quote', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((s) => !s.includes("'")), (word) => {
        expect(expand(`'${word}'`, vars)).toBe(word)
      }),
    )
  })
})

describe('.dockerignore properties', () => {
  test('parsing throws only StoreErrors, and a matcher never throws on a path', () => {
    const pat = fc.array(fc.constantFrom('*', '**', '?', '/', 'a', 'b', '.', '..', '!', '[', ']', '^', '-', '\\', '#', ' ', '\n', '(', '$'), { maxLength: 12 }).map((t) => t.join(''))
    const path = fc.array(fc.constantFrom('a', 'b', '.', '..', '/', '*', 'x.md'), { maxLength: 10 }).map((t) => t.join(''))
    fc.assert(
      fc.property(fc.array(pat, { maxLength: 6 }), fc.array(path, { maxLength: 6 }), (lines, paths) => {
        let m
        try {
          m = createIgnoreMatcher(parseDockerignore(lines.join('\n')))
        } catch (e) {
          expect(e).toBeInstanceOf(StoreError)
          return
        }
        for (const p of paths) {
          expect(typeof m(p)).toBe('boolean')
          // A folder that may be skipped must be excluded itself.
          if (m.canSkipDir(p)) expect(m(p)).toBe(true)
        }
      }),
      { numRuns: 1000 },
    )
  })

  test('canSkipDir is sound: nothing below a skippable folder is included', () => {
    const seg = fc.constantFrom('a', 'b', 'c.md', 'd')
    const pattern = fc.tuple(fc.boolean(), fc.array(fc.constantFrom('a', 'b', '*', '**', '*.md', 'd?'), { minLength: 1, maxLength: 3 }))
      .map(([neg, segs]) => (neg ? '!' : '') + segs.join('/'))
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 5 }), fc.array(seg, { minLength: 1, maxLength: 2 }), fc.array(seg, { minLength: 1, maxLength: 3 }), (pats, dir, below) => {
        const m = createIgnoreMatcher(pats)
        const d = dir.join('/')
        if (m.canSkipDir(d)) expect(m(`${d}/${below.join('/')}`)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
