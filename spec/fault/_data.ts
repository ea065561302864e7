// Deterministic test content: the same folder for the same (name, files, size) on every run and
// every seed, so a retry's IDs can be compared with a reference.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { rng } from './_seed.js'

/** `files` files of `size` pseudo-random bytes (half of them compressible text) under dir/name. */
export function makeTree(dir: string, name: string, files: number, size: number): string {
  const root = join(dir, name)
  const random = rng([...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 2166136261))
  for (let i = 0; i < files; i++) {
    const sub = join(root, `d${i % 8}`)
    mkdirSync(sub, { recursive: true })
    const b = Buffer.alloc(size)
    for (let j = 0; j < size; j++) b[j] = i % 2 ? 97 + ((j * 7 + i) % 26) : (random() * 256) | 0
    writeFileSync(join(sub, `f${i}`), b)
  }
  return root
}
