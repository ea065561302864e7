// Test data that looks random and is the same on every run: CI is deterministic. Each call gets
// the next seed unless given one, so a spec file's inputs differ from one another but not from
// one run to the next.

import { createHash } from 'node:crypto'
import { randomBytes as seededArray } from '../chunk/_data.js'

let next = 0x5eed

/** `n` pseudo-random bytes (xorshift32) as a Buffer. */
export function seededBytes(n: number, seed = next++): Buffer {
  const a = seededArray(n, seed)
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

/** `n` bytes that look random, from a seed that names them (SHA-256 of `seed/i`, block by block). */
export function seededFrom(seed: string, n: number): Buffer {
  const out = Buffer.alloc(n)
  for (let i = 0, at = 0; at < n; i++, at += 32) createHash('sha256').update(`${seed}/${i}`).digest().copy(out, at)
  return out
}
