// Variable substitution (BuildKit's shell lexer): one row per operator and quoting rule.

import { describe, expect, test } from 'vitest'
import { Codes } from '../../../lib/errors.js'
import { expand, expandHeredoc, expandWords } from '../../../lib/build/parser/index.js'
import { thrown } from './_helpers.js'

const vars = new Map([
  ['A', 'apple'],
  ['EMPTY', ''],
  ['SP', 'a  b'],
  ['PATHV', '/usr/local/bin/tool.tar.gz'],
])

describe('expand', () => {
  const rows: [string, string][] = [
    ['$A', 'apple'],
    ['${A}', 'apple'],
    ['x${A}y', 'xappley'],
    ['$Ax', ''], // the name is Ax
    ['$UNSET', ''],
    ['$', '$'],
    ['$1', ''],
    ['a $ b', 'a $ b'],
    // ${v:-w} and ${v-w}
    ['${UNSET:-dflt}', 'dflt'],
    ['${EMPTY:-dflt}', 'dflt'],
    ['${A:-dflt}', 'apple'],
    ['${UNSET-dflt}', 'dflt'],
    ['${EMPTY-dflt}', ''],
    // ${v:+w} and ${v+w}
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${UNSET:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    // ${v:?msg} passes through a set value
    ['${A:?must be set}', 'apple'],
    ['${EMPTY?must exist}', ''],
    // nested and quoted words
    ['${UNSET:-$A}', 'apple'],
    ['${UNSET:-"x y"}', 'x y'],
    // pattern operators
    ['${PATHV#*/}', 'usr/local/bin/tool.tar.gz'],
    ['${PATHV##*/}', 'tool.tar.gz'],
    ['${PATHV%.*}', '/usr/local/bin/tool.tar'],
    ['${PATHV%%.*}', '/usr/local/bin/tool'],
    ['${PATHV/local/opt}', '/usr/opt/bin/tool.tar.gz'],
    ['${PATHV//o/0}', '/usr/l0cal/bin/t00l.tar.gz'],
    // escapes and quotes
    ['\\$A', '$A'],
    ['\\${A}', '${A}'],
    ["'$A'", '$A'],
    ['"$A"', 'apple'],
    ['"\\$A"', '$A'],
    ['"a\\"b"', 'a"b'],
    ['"a\\nb"', 'a\\nb'],
    ["'a\\b'", 'a\\b'],
    ['a\\ b', 'a b'],
    ['"it\'s"', "it's"],
    ['\'say "hi"\'', 'say "hi"'],
    ['trailing\\', 'trailing'],
    ['$SP', 'a  b'],
  ]
  test.each(rows)('%s → %s', (word, out) => {
    expect(expand(word, vars)).toBe(out)
  })

  test('a record works like a map; inherited properties are not variables', () => {
    expect(expand('$A-$constructor-$toString', { A: '1' })).toBe('1--')
  })

  test('the backtick escape char', () => {
    expect(expand('`$A `"x`" c:\\dir', vars, '`')).toBe('$A "x" c:\\dir')
  })

  test.each([
    ['${UNSET:?must be set}', 'UNSET: must be set'],
    ['${EMPTY:?}', 'EMPTY: is not allowed to be empty'],
    ['${UNSET?}', 'UNSET: is not allowed to be unset'],
    ['${A', "syntax error: missing '}'"],
    ['${}', 'syntax error: bad substitution'],
    ['${:x}', 'syntax error: bad substitution'],
    ['${A:*x}', 'unsupported modifier (:*) in substitution'],
    ['${A:#x}', 'unsupported modifier (:#) in substitution'],
    ['${A*}', 'unsupported modifier (*) in substitution'],
    ['"abc', 'unexpected end of statement while looking for matching double-quote'],
    ["'abc", 'unexpected end of statement while looking for matching single-quote'],
  ])('%s fails: %s', (word, msg) => {
    const e = thrown(() => expand(word, vars))
    expect(e.code).toBe(Codes.DOCKERFILE_PARSE)
    expect(e.message).toBe(`failed to process ${JSON.stringify(word)}: ${msg}`)
  })
})

describe('expandWords', () => {
  test.each([
    ['a b  c', ['a', 'b', 'c']],
    ['$SP', ['a', 'b']],
    ['"$SP"', ['a  b']],
    ['x"$SP"y z', ['xa  by', 'z']],
    ['a\\ b c', ['a b', 'c']],
    ['80/tcp ${UNSET:-443}', ['80/tcp', '443']],
    ['"" a', ['a']],
  ] as [string, string[]][])('%s → %j', (word, out) => {
    expect(expandWords(word, vars)).toEqual(out)
  })
})

describe('expandHeredoc', () => {
  test('variables expand, quotes stay, backslash escapes', () => {
    expect(expandHeredoc('A="$A" \'$A\' \\$A\n', vars)).toBe('A="apple" \'apple\' $A\n')
  })
})
