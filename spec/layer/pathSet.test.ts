// PathSet (import's compact set of a layer's earlier entries) answers as a Set of strings does,
// through adds, deletes, growth and tombstone clean-ups.

import { expect, test } from 'vitest'
import fc from 'fast-check'
import { PathSet } from '../../lib/layer/_pathSet.js'

test('PathSet behaves as a Set of paths (property)', () => {
  const path = fc.stringMatching(/^[a-c]{1,3}(\/[a-c\u00e9]{1,3}){0,2}$/)
  const op = fc.tuple(fc.constantFrom('add', 'add', 'delete'), path)
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000 }), fc.array(path, { maxLength: 50 }), (ops, probes) => {
      const want = new Set<string>()
      const got = new PathSet()
      for (const [o, p] of ops) {
        if (o === 'add') (want.add(p), got.add(p))
        else (want.delete(p), got.delete(p))
      }
      expect(got.size).toBe(want.size)
      for (const p of [...probes, ...ops.map(([, p]) => p)]) expect(got.has(p)).toBe(want.has(p))
    }),
    { seed: 42, numRuns: 100 },
  )
})

test('a million distinct paths, all found, none invented', () => {
  const s = new PathSet()
  for (let i = 0; i < 1_000_000; i++) s.add(`d${i >> 7}/f${i}`)
  expect(s.size).toBe(1_000_000)
  let found = 0
  for (let i = 0; i < 1_000_000; i += 7) if (s.has(`d${i >> 7}/f${i}`)) found++
  expect(found).toBe(Math.ceil(1_000_000 / 7))
  let invented = 0
  for (let i = 0; i < 200_000; i++) if (s.has(`d${i >> 7}/g${i}`)) invented++
  expect(invented).toBe(0)
})
