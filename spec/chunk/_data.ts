// Deterministic test inputs for the chunker specs: random, zero runs, low entropy, mixtures.

import fc from 'fast-check'

/** xorshift32 bytes from a seed: fast, reproducible, good enough to look random to a gear hash. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let s = seed >>> 0 || 0x9e3779b9
  for (let i = 0; i < n; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    out[i] = s >>> 24
  }
  return out
}

export type Segment =
  | { kind: 'random'; len: number; seed: number }
  | { kind: 'zeros'; len: number }
  | { kind: 'alphabet'; len: number; seed: number; size: number }
  | { kind: 'pattern'; len: number; seed: number; period: number }

export function render(segments: Segment[]): Uint8Array {
  const parts = segments.map((g) => {
    switch (g.kind) {
      case 'random':
        return randomBytes(g.len, g.seed)
      case 'zeros':
        return new Uint8Array(g.len)
      case 'alphabet':
        return randomBytes(g.len, g.seed).map((b) => (b % g.size) + 0x61)
      case 'pattern': {
        const unit = randomBytes(g.period, g.seed)
        return Uint8Array.from({ length: g.len }, (_, i) => unit[i % g.period])
      }
    }
  })
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

const len = (maxLen: number) => fc.integer({ min: 0, max: maxLen })
const seed = fc.integer({ min: 1, max: 0x7fffffff })

/** Inputs mixing random data, long runs of zeros, low-entropy text and short repeating patterns. */
export const arbInput = (maxSegLen: number) =>
  fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant('random' as const), len: len(maxSegLen), seed }),
        fc.record({ kind: fc.constant('zeros' as const), len: len(maxSegLen) }),
        fc.record({ kind: fc.constant('alphabet' as const), len: len(maxSegLen), seed, size: fc.integer({ min: 1, max: 4 }) }),
        fc.record({ kind: fc.constant('pattern' as const), len: len(maxSegLen), seed, period: fc.integer({ min: 1, max: 100 }) }),
      ),
      { maxLength: 6 },
    )
    .map(render)

/** Small valid option sets, so modest inputs still give many chunks. */
export const arbOptions = fc
  .record({ avgLog: fc.integer({ min: 8, max: 12 }), minFrac: fc.double({ min: 0, max: 1, noNaN: true }), maxMul: fc.integer({ min: 2, max: 8 }) })
  .chain(({ avgLog, minFrac, maxMul }) => {
    const avg = 2 ** avgLog
    const min = 64 + Math.floor(minFrac * (avg - 65))
    return fc.integer({ min: avg + 1, max: avg * maxMul }).map((max) => ({ min, avg, max }))
  })

/** Split `data` at the given fractions: the push sizes a stream might deliver. */
export function splitAt(data: Uint8Array, fractions: number[]): Uint8Array[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * data.length)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of points) {
    out.push(data.subarray(prev, p)) // may be empty: empty pushes must be harmless
    prev = p
  }
  out.push(data.subarray(prev))
  return out
}

export const arbSplits = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 })

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Byte equality without vitest's element-by-element deep diff (slow on large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}
