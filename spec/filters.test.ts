// Docker's --filter words: parsing and its errors, booleans, regular expressions, labels, and
// Go's path.Match for reference=.

import { describe, expect, test } from 'vitest'
import { boolFilter, glob, matches, matchLabels, parseFilters, timeMicros } from '../lib/filters.js'

describe('parseFilters', () => {
  test('keys repeat; an unknown key or a word without = is refused as Docker refuses it', () => {
    const f = parseFilters(['label=a', 'label=b=c', 'dangling=true'], ['label', 'dangling'])
    expect([...f]).toEqual([['label', ['a', 'b=c']], ['dangling', ['true']]])
    expect(() => parseFilters(['foo=1'], ['label'])).toThrow("invalid filter 'foo'")
    expect(() => parseFilters(['label'], ['label'])).toThrow('bad format of filter (expected name=value)')
  })
})

describe('values', () => {
  test('booleans: true/false/1/0, absent is undefined, anything else invalid with the value', () => {
    expect(boolFilter(parseFilters(['dangling=true'], ['dangling']), 'dangling')).toBe(true)
    expect(boolFilter(parseFilters(['dangling=0'], ['dangling']), 'dangling')).toBe(false)
    expect(boolFilter(new Map(), 'dangling')).toBeUndefined()
    expect(() => boolFilter(parseFilters(['dangling=maybe'], ['dangling']), 'dangling')).toThrow("invalid filter 'dangling=[maybe]'")
  })

  test('matches: any value, as a regular expression found anywhere; absent matches all', () => {
    const f = parseFilters(['name=^web', 'name=db$'], ['name'])
    expect(matches(f, 'name', 'web-1')).toBe(true)
    expect(matches(f, 'name', 'the-db')).toBe(true)
    expect(matches(f, 'name', 'cache')).toBe(false)
    expect(matches(new Map(), 'name', 'x')).toBe(true)
  })

  test('labels: every one must hold, by key or by key and value', () => {
    const f = parseFilters(['label=tier', 'label=env=prod'], ['label'])
    expect(matchLabels(f, { tier: 'web', env: 'prod' })).toBe(true)
    expect(matchLabels(f, { tier: 'web', env: 'dev' })).toBe(false)
    expect(matchLabels(f, { env: 'prod' })).toBe(false)
    expect(matchLabels(f, undefined)).toBe(false)
  })

  test("glob is Go's path.Match: * and ? stop at /, classes, escapes", () => {
    expect(glob('busybox', 'busybox')).toBe(true)
    expect(glob('acme/*', 'acme/app')).toBe(true)
    expect(glob('acme/*', 'acme/app/x')).toBe(false)
    expect(glob('*', 'acme/app')).toBe(false)
    expect(glob('*:1.?', 'app:1.2')).toBe(true)
    expect(glob('[ab]pp:1', 'app:1')).toBe(true)
    expect(glob('[^ab]pp:1', 'app:1')).toBe(false)
    expect(glob('a.b', 'axb')).toBe(false)
    expect(glob('a\\*', 'a*')).toBe(true)
  })
})

describe('timeMicros (logs --since/--until)', () => {
  const now = new Date('2026-12-04T01:00:00Z')
  test('keeps an RFC 3339 or Unix time\'s digits past the millisecond; durations count back from now', () => {
    expect(timeMicros('2026-12-04T01:25:15.261388154Z', now)).toBe(Date.parse('2026-12-04T01:25:15Z') * 1000 + 261388)
    expect(timeMicros('2026-12-04T03:25:15.5+02:00', now)).toBe(Date.parse('2026-12-04T01:25:15Z') * 1000 + 500000)
    expect(timeMicros('1700000000.123456789', now)).toBe(1700000000123456)
    expect(timeMicros('0', now)).toBe(0)
    expect(timeMicros('10m', now)).toBe((now.getTime() - 600_000) * 1000)
    expect(() => timeMicros('soon', now)).toThrow('failed to parse value as time or duration: "soon"')
  })
})
