// .dockerignore: Docker's pattern rules (moby/patternmatcher), one row per rule.

import { describe, expect, test } from 'vitest'
import { Codes } from '../../../lib/errors.js'
import { createIgnoreMatcher, parseDockerignore } from '../../../lib/build/parser/index.js'
import { thrown } from './_helpers.js'

const matcher = (text: string) => createIgnoreMatcher(parseDockerignore(text))

describe('parseDockerignore', () => {
  test('comments, blank lines, trimming, cleaning, a leading slash, CRLF and BOM', () => {
    const text = '\ufeff# comment\r\n\n  *.log  \r\n/abs/dir/\n ! keep.log\na/./b/../c\n #not a comment\n!/x\n'
    expect(parseDockerignore(text)).toEqual([
      { pattern: '*.log', exclusion: false, line: 3 },
      { pattern: 'abs/dir', exclusion: false, line: 4 },
      { pattern: 'keep.log', exclusion: true, line: 5 },
      { pattern: 'a/c', exclusion: false, line: 6 },
      { pattern: '#not a comment', exclusion: false, line: 7 },
      { pattern: 'x', exclusion: true, line: 8 },
    ])
  })

  test.each([
    ['!', 'illegal exclusion pattern: "!"'],
    ['ok\n[abc', 'syntax error in pattern'],
    ['a[]b', 'syntax error in pattern'],
    ['a[b-]', 'syntax error in pattern'],
    ['trailing\\', 'syntax error in pattern'],
  ])('%j is rejected: %s', (text, why) => {
    const e = thrown(() => matcher(text))
    expect(e.code).toBe(Codes.INVALID_ARGUMENT)
    expect(e.message).toContain(why)
  })
})

describe('matching', () => {
  const rows: [string, string, boolean][] = [
    ['*.md', 'README.md', true],
    ['*.md', 'docs/a.md', false], // `*` stays within one segment
    ['**/*.md', 'docs/sub/a.md', true],
    ['**/*.md', 'a.md', true], // `**` matches no segment too
    ['node_modules', 'node_modules/pkg/index.js', true], // a matching parent excludes its children
    ['node_modules', 'src/node_modules', false],
    ['**/node_modules', 'src/node_modules/x', true],
    ['temp?', 'temp1', true],
    ['temp?', 'temp12', false],
    ['[a-c].txt', 'b.txt', true],
    ['[a-c].txt', 'd.txt', false],
    ['[^a].txt', 'a.txt', false],
    ['*/temp*', 'somedir/temporary.txt', true],
    ['*/temp*', 'temp', false],
    ['*/*/temp*', 'a/b/temp1', true],
    ['docs/**', 'docs/x/y', true],
    ['docs/**', 'docs', false], // `x/**` is what is inside x
    ['a/**/z', 'a/z', true],
    ['a/**/z', 'a/b/c/z', true],
    ['**', 'any/thing', true],
    ['/abs/dir', 'abs/dir/f', true],
    ['a/b/../c', 'a/c', true],
    ['\\*star', '*star', true],
    ['\\*star', 'xstar', false],
    ['file.(1)+$', 'file.(1)+$', true],
    ['*', 'deep/down/file', true], // `*` matches the top folder
    ['*.md\n!README.md', 'README.md', false],
    ['*.md\n!README.md', 'CHANGES.md', true],
    ['!keep\n*', 'keep', true], // the last match wins
    ['data\n!data/keep', 'data/keep', false],
    ['data\n!data/keep', 'data/keep/inner', false],
    ['data\n!data/keep', 'data/other', true],
    ['data\n!data/keep\ndata/keep/secret', 'data/keep/secret', true],
    ['*\n!src\nsrc/*.tmp', 'src/a.tmp', true],
    ['*\n!src\nsrc/*.tmp', 'src/a.ts', false],
  ]
  test.each(rows)('%j on %s → %s', (text, path, ignored) => {
    expect(matcher(text)(path)).toBe(ignored)
  })

  test('paths are cleaned first; the context root is never excluded', () => {
    const m = matcher('*')
    expect(m('./a/')).toBe(true)
    expect(m('.')).toBe(false)
    expect(m('')).toBe(false)
  })

  test('raw pattern strings work like the file', () => {
    const m = createIgnoreMatcher(['*.log', ' !keep.log ', 'tmp/'])
    expect([m('a.log'), m('keep.log'), m('tmp/x')]).toEqual([true, false, true])
    expect(m.hasExceptions).toBe(true)
  })
})

describe('canSkipDir', () => {
  const rows: [string, string, boolean][] = [
    ['node_modules', 'node_modules', true],
    ['src', 'lib', false], // not excluded at all
    ['data\n!data/keep', 'data', false],
    ['data\n!other/keep', 'data', true],
    ['data\n!**/keep', 'data', false],
    ['data\n!*.md', 'data', true], // `*.md` only matches top-level names
    ['data\n!d*/keep', 'data', false],
    ['data\n!d*/keep', 'data/sub', true],
    ['*\n!src/**', 'lib', true],
    ['*\n!src/**', 'src', false],
    ['a\n![ab]/x', 'a', false], // classes are treated as "maybe"
  ]
  test.each(rows)('%j, folder %s → %s', (text, dir, skip) => {
    expect(matcher(text).canSkipDir(dir)).toBe(skip)
  })
})
