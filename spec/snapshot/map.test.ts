// The snapshot map (lib/snapshot/map.ts): what is written is read back, looked up by path
// without a full parse, in byte order (not UTF-16 order), and a damaged map is an error
// naming it, never a wrong answer.

import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { decodeMap, encodeMap } from '../../lib/snapshot/map.js'
import type { PoolRef } from '../../lib/snapshot/types.js'
import { isStoreError } from '../../lib/errors.js'

const hex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'))
const ref = fc.record({ hex, window: fc.constantFrom(undefined, 1, 2) }).map((r): PoolRef => (r.window ? { hex: r.hex, window: r.window } : { hex: r.hex }))
const path = fc.array(fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((s) => !s.includes('/') && !s.includes('\0')), { minLength: 1, maxLength: 4 }).map((p) => p.join('/'))

describe('snapshot map', () => {
  test('every entry is found by its path, and a path not in it is not', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(path, ref), { selector: (e) => e[0], maxLength: 60 }), path, (entries, other) => {
        const m = decodeMap(encodeMap('data-only', 4096, entries), 'test')
        expect([m.form, m.ownBytes, m.count]).toEqual(['data-only', 4096, entries.length])
        for (const [p, r] of entries) expect(m.get(p)).toEqual(r)
        if (!entries.some(([p]) => p === other)) expect(m.get(other)).toBeUndefined()
        expect(new Map(m.entries())).toEqual(new Map(entries))
      }),
    )
  })

  test('entries are kept in byte order: a name past U+FFFF sorts after U+FFFD', () => {
    const entries: [string, PoolRef][] = [['\u{1F600}', { hex: 'a'.repeat(64) }], ['\uFFFD', { hex: 'b'.repeat(64) }], ['z', { hex: 'c'.repeat(64) }]]
    const m = decodeMap(encodeMap('copy', 0, entries), 'test')
    expect([...m.entries()].map(([p]) => p)).toEqual(['z', '\uFFFD', '\u{1F600}'])
    for (const [p, r] of entries) expect(m.get(p)).toEqual(r)
  })

  test('the hard-link form keeps each entry\'s metadata key', () => {
    const m = decodeMap(encodeMap('hardlink', 0, [['etc/passwd', { hex: 'd'.repeat(64), key: '0123456789abcdef' }]]), 'test')
    expect(m.get('etc/passwd')).toEqual({ hex: 'd'.repeat(64), key: '0123456789abcdef' })
  })

  test('a truncated or foreign file is LAYER_CORRUPT naming the map', () => {
    const good = encodeMap('data-only', 0, [['a', { hex: 'e'.repeat(64) }]])
    for (const bad of [good.subarray(0, good.length - 5), Buffer.from('not a map at all, really')]) {
      const e = (() => {
        try {
          decodeMap(bad, '/store/snapshots/x.map').get('a')
        } catch (x) {
          return x
        }
      })()
      expect(isStoreError(e, 'LAYER_CORRUPT')).toBe(true)
      expect((e as Error).message).toContain('/store/snapshots/x.map')
    }
  })
})
