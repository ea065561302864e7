// Test data that looks random and is the same on every run: CI is deterministic. Each call gets
// the next seed unless given one, so a spec file's inputs differ from one another but not from
// one run to the next.

import { randomBytes as seededArray } from '../chunk/_data.js'

let next = 0x5eed

/** `n` pseudo-random bytes (xorshift32) as a Buffer. */
export function seededBytes(n: number, seed = next++): Buffer {
  const a = seededArray(n, seed)
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}
