// prefetchedEntries() (what applyLayer and the snapshot builder read): each regular file's
// content as the index has it, read ahead across entries in batches: a small file's bytes from
// the index itself ('data' record, no chunks), chunks in order across batch boundaries, an
// entry `wanted` declines read only when asked for after all, a discarded entry's chunks never
// handed to the next one; a chunk that fails to read fails the entry that reads it, not later ones.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { tempStore } from '../_fixtures/store.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { header } from '../_fixtures/hostile.js'
import { Codes } from '../../lib/errors.js'
import { encodeHeader, END_OF_ARCHIVE } from '../../lib/tar/index.js'
import type { ChunkRef, IndexEntry, LayerIndex } from '../../lib/layer/index.js'
import { prefetchedEntries, type PrefetchedEntry } from '../../lib/layer/_prefetch.js'

let t: Awaited<ReturnType<typeof tempStore>>
beforeEach(async () => {
  t = await tempStore()
})
afterEach(() => t.cleanup())

/** Stores `parts` as chunks; returns their refs and the file's bytes. */
async function chunks(parts: Buffer[]): Promise<{ c: ChunkRef[]; bytes: Buffer }> {
  const c: ChunkRef[] = []
  for (const p of parts) c.push([(await t.store.cas.put(p)).digest.slice(7), p.length])
  return { c, bytes: Buffer.concat(parts) }
}

const entry = (name: string, size: number, content: { c?: ChunkRef[]; d?: Uint8Array }): IndexEntry => ({ h: encodeHeader({ ...header({ name }), size }), ...content })
const index = (entries: IndexEntry[]): LayerIndex => ({ kind: 'whole', diffId: `sha256:${'0'.repeat(64)}`, size: 0, entries, trailer: END_OF_ARCHIVE })
const nameOf = (e: { h: Uint8Array }) => new TextDecoder().decode(e.h.subarray(0, 100)).replace(/\0.*$/s, '')

async function read(e: PrefetchedEntry): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const b of e.content) parts.push(b)
  return Buffer.concat(parts)
}

describe('prefetchedEntries()', () => {
  test('gives each file its content: inline bytes, chunks in order across batches, declined entries read when asked', async () => {
    const inline = seededBytes(100)
    const one = await chunks([seededBytes(5000)])
    const many = await chunks([seededBytes(3000), seededBytes(4000), seededBytes(5000)])
    const declined = await chunks([seededBytes(2000), seededBytes(1000)])
    const want = (n: string) => (n.startsWith('inline') ? inline : n === 'empty' ? Buffer.alloc(0) : n === 'one' ? one.bytes : n === 'declined' ? declined.bytes : many.bytes)
    const entries = [
      entry('inline', inline.length, { d: inline }),
      entry('empty', 0, {}),
      entry('one', one.bytes.length, { c: one.c }),
      entry('declined', declined.bytes.length, { c: declined.c }),
      // More chunks than one batch holds (1,024): later entries come from the batches after it.
      ...Array.from({ length: 1500 }, (_, i) => entry(`many-${i}`, many.bytes.length, { c: many.c })),
      entry('declined-unread', declined.bytes.length, { c: declined.c }),
      entry('discarded', many.bytes.length, { c: many.c }),
      entry('many', many.bytes.length, { c: many.c }),
      entry('inline-last', inline.length, { d: inline }),
    ]
    const asked: string[] = []
    const wanted = (e: IndexEntry) => {
      asked.push(nameOf(e))
      return !nameOf(e).startsWith('declined')
    }
    const seen: string[] = []
    for await (const e of prefetchedEntries(t.store.cas, index(entries), wanted)) {
      const n = nameOf(e)
      seen.push(n)
      if (n === 'declined-unread') continue // never read: nothing of it is handed to the next entry
      if (n === 'discarded') {
        await e.content.discard()
        continue
      }
      expect(e.content.inline === undefined).toBe(!n.startsWith('inline'))
      expect((await read(e)).equals(want(n)), n).toBe(true)
    }
    expect(seen).toEqual(entries.map(nameOf))
    expect(asked.filter((n) => n.startsWith('inline') || n === 'empty')).toEqual([]) // nothing to read: never asked
  })

  test('a chunk that fails to read fails the entry reading it; a discarded one spoils nothing after it', async () => {
    const ok = await chunks([seededBytes(3000), seededBytes(3000)])
    const missing: ChunkRef = ['f'.repeat(64), 10]
    const entries = [
      entry('broken-discarded', 3010, { c: [ok.c[0], missing] }),
      entry('after', ok.bytes.length, { c: ok.c }),
      entry('broken-read', 3010, { c: [ok.c[0], missing] }),
    ]
    const got = new Map<string, Buffer | string>()
    for await (const e of prefetchedEntries(t.store.cas, index(entries))) {
      const n = nameOf(e)
      if (n === 'broken-discarded') continue
      got.set(n, await read(e).catch((err) => String(err.code)))
    }
    expect(got.get('after')).toEqual(ok.bytes)
    expect(got.get('broken-read')).toBe(Codes.BLOB_NOT_FOUND)
  })
})
