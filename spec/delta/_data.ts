// Test data for the delta specs: seeded chunks, edited copies of them (what a new release does
// to a file), a store of blobs in memory that answers a codec's base reads, and a temp folder.

import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'vitest'
import { Codes, StoreError } from '../../lib/errors.js'
import type { Digest } from '../../lib/digest/digest.js'
import type { DeltaBases } from '../../lib/codec/delta/index.js'
import { randomBytes } from '../chunk/_data.js'

export const sha = (b: Uint8Array): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** Text-like bytes (a small alphabet), as source code is: zstd finds matches in it. */
export function textLike(n: number, seed: number): Uint8Array {
  return randomBytes(n, seed).map((b) => 0x61 + (b % 20))
}

/** `base` with `edits` seeded edits: replaced, inserted and deleted runs of 1–64 bytes. */
export function edited(base: Uint8Array, seed: number, edits = 8): Uint8Array {
  const r = randomBytes(4 * edits, seed)
  let out = base
  for (let i = 0; i < edits; i++) {
    const at = ((r[4 * i] << 8) | r[4 * i + 1]) % Math.max(1, out.length)
    const len = 1 + (r[4 * i + 2] % 64)
    const fill = randomBytes(len, seed + i + 1)
    const kind = r[4 * i + 3] % 3
    const tail = out.subarray(kind === 1 ? at : Math.min(out.length, at + len))
    const parts = kind === 2 ? [out.subarray(0, at), tail] : [out.subarray(0, at), fill, tail]
    out = Buffer.concat(parts)
  }
  return new Uint8Array(out)
}

/** Stored blobs by digest, answering reads as the content store does (BLOB_NOT_FOUND when absent). */
export function memoryBases(blobs = new Map<Digest, Uint8Array>()): DeltaBases & { blobs: Map<Digest, Uint8Array> } {
  return {
    blobs,
    async readStored(d) {
      const b = blobs.get(d)
      if (!b) throw new StoreError(Codes.BLOB_NOT_FOUND, `blob ${d} not found`, { data: { digest: d } })
      return b
    },
    sha256: sha,
  }
}

/** A test with its own temp folder, removed afterwards. */
export const withDir = it.extend<{ dir: string }>({
  // eslint-disable-next-line no-empty-pattern
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'store-delta-'))
    await use(dir)
    await rm(dir, { recursive: true, force: true })
  },
})
