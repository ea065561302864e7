// One contract suite for both SHA-256 backends (hash-wasm and node:crypto), checked against
// published vectors and a real tool, plus a property: both agree on any input, split anyhow.

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadHashBackend, type HashBackend, type HashBackendName } from '../../lib/digest/index.js'

const enc = (s: string) => new TextEncoder().encode(s)
const VECTORS: [string, string][] = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
]

function splitAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of [...points, data.length]) {
    out.push(data.subarray(prev, p))
    prev = p
  }
  return out
}

function incremental(b: HashBackend, parts: Uint8Array[]): string {
  const h = b.create()
  for (const p of parts) h.update(p)
  return h.digest()
}

describe.each<HashBackendName>(['wasm', 'native'])('%s SHA-256 backend', (name) => {
  it('gives the published digests one-shot and incrementally', async () => {
    const b = await loadHashBackend(name)
    expect(b.name).toBe(name)
    for (const [input, hex] of VECTORS) {
      expect(b.sha256(enc(input))).toBe(`sha256:${hex}`)
      expect(incremental(b, [...enc(input)].map((x) => Uint8Array.of(x)))).toBe(`sha256:${hex}`)
    }
  })

  it('agrees with sha256sum on a real file larger than the wasm heap', async () => {
    const b = await loadHashBackend(name)
    const file = '/usr/bin/ls'
    const want = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]
    const data = readFileSync(file)
    expect(data.length).toBeGreaterThan(16384)
    expect(b.sha256(data)).toBe(`sha256:${want}`)
    expect(incremental(b, [data.subarray(0, 1000), data.subarray(1000, 50000), data.subarray(50000)])).toBe(`sha256:${want}`)
  })

  it('keeps interleaved hashers and one-shot calls apart', async () => {
    const b = await loadHashBackend(name)
    const x = enc('x'.repeat(100_000))
    const y = enc('y'.repeat(70_001))
    const hx = b.create()
    const hy = b.create()
    for (let o = 0; o < 100_000; o += 9_000) {
      hx.update(x.subarray(o, o + 9_000))
      b.sha256(y) // a one-shot in between must not disturb either stream
      hy.update(y.subarray(o, o + 9_000))
    }
    const hz = b.create() // created and finished while the others are open
    expect(hz.digest()).toBe(`sha256:${VECTORS[0][1]}`)
    expect(hy.digest()).toBe(b.sha256(y))
    expect(hx.digest()).toBe(b.sha256(x))
  })

  it('does not modify the input', async () => {
    const b = await loadHashBackend(name)
    const data = enc('immutable input '.repeat(1500))
    const copy = Buffer.from(data)
    b.sha256(data)
    const h = b.create()
    h.update(data.subarray(3))
    h.digest()
    expect(copy.equals(data)).toBe(true)
  })
})

describe('wasm and native backends', () => {
  it('agree on random inputs at random update() split points', async () => {
    const [wasm, native] = await Promise.all([loadHashBackend('wasm'), loadHashBackend('native')])
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70_000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (data, cutsA, cutsB) => {
          const want = native.sha256(data)
          expect(wasm.sha256(data)).toBe(want)
          expect(incremental(wasm, splitAt(data, cutsA))).toBe(want)
          expect(incremental(native, splitAt(data, cutsB))).toBe(want)
        },
      ),
      { numRuns: 200 },
    )
  })
})
