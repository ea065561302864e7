// The content store's read contract, once per backing (a blob put loose by put(), or packed by a
// chunk batch) and per backend pairing (native hash + zlib, wasm hash + fflate) and encoding
// each writes: get/getStream/getMany/has/stat/walk, verification (BLOB_CORRUPT naming the
// digest wherever the bytes are), invalid digests, usage and sweep.

import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createContentStore, type ContentStore, type PutResult } from '../../lib/cas/index.js'
import { loadCodec, type CodecBackendName, type Encoding } from '../../lib/codec/index.js'
import { loadHashBackend, type Digest, type HashBackendName } from '../../lib/digest/index.js'
import { layout, type Layout } from '../../lib/layout.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { collect } from '../_fixtures/store.js'
import { flipStored, storedAt } from '../_fixtures/storedBlob.js'

type Backing = 'loose' | 'packed'

const sha = (b: Uint8Array): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`
const text = (n: number, seed = 0) => new TextEncoder().encode(`content-addressed line ${seed} of text, fairly compressible\n`.repeat(Math.ceil(n / 40))).subarray(0, n)
const failure = (f: () => Promise<unknown>) => f().then(() => expect.unreachable('expected a failure'), (e: { code?: string; data?: Record<string, unknown> }) => e)

/** Stores `blobs` by the backing under test: put() each, or one chunk batch committed. */
async function write(cas: ContentStore, backing: Backing, blobs: Uint8Array[]): Promise<PutResult[]> {
  if (backing === 'loose') return Promise.all(blobs.map((b) => cas.put(b)))
  const batch = cas.chunkBatch()
  const rs = await Promise.all(blobs.map((b) => batch.put(b)))
  await batch.commit()
  return rs
}

const pairings: [HashBackendName, CodecBackendName, Encoding][] = [
  ['native', 'zlib', 'zstd'],
  ['native', 'zlib', 'brotli'],
  ['native', 'zlib', 'deflate'],
  ['native', 'zlib', 'raw'],
  ['wasm', 'fflate', 'zstd'],
  ['wasm', 'fflate', 'deflate'],
]

describe.each((['loose', 'packed'] as Backing[]).flatMap((b) => pairings.map((p) => [b, ...p] as const)))('%s blobs (%s hash, %s codec writing %s)', (backing, hashName, codecName, encoding) => {
  let dir: string
  let l: Layout
  let cas: ContentStore
  /** A store object on the root; each knows nothing of what another has loaded. */
  const open = async () => createContentStore({ layout: l, hash: await loadHashBackend(hashName), codec: await loadCodec(codecName, { encoding }) })

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'store-contract-'))
    l = layout(join(dir, 'root'))
    cas = await open()
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('reads back what it stored, whole, streamed and in order, where the backing keeps it', async () => {
    const blobs = [text(100_000), text(3000, 1), seededBytes(70_000), new Uint8Array(0), text(20, 2)]
    const rs = await write(cas, backing, blobs)
    for (const [i, r] of rs.entries()) {
      const d = sha(blobs[i])
      expect(r).toMatchObject({ digest: d, size: blobs[i].length, existed: false })
      expect(storedAt(l, d).map((s) => [s.backing, s.length])).toEqual([[backing, r.stored]])
      expect(Buffer.from(await cas.get(d)).equals(Buffer.from(blobs[i]))).toBe(true)
      expect((await collect(cas.getStream(d))).equals(Buffer.from(blobs[i]))).toBe(true)
      expect(await cas.has(d)).toBe(true)
      expect(await cas.stat(d)).toEqual({ digest: d, size: blobs[i].length, stored: r.stored, encoding: i === 2 || i === 3 || encoding === 'raw' ? 'raw' : expect.any(String) })
    }
    expect(rs[0].stored).toBeLessThanOrEqual(encoding === 'raw' ? 100_009 : 25_000)
    const order = [4, 0, 0, 2, 3, 1].map((i) => rs[i].digest)
    const many = []
    for await (const b of cas.getMany(order)) many.push(Buffer.from(b))
    expect(many).toEqual([4, 0, 0, 2, 3, 1].map((i) => Buffer.from(blobs[i])))
    const walked: Digest[] = []
    for await (const d of (await open()).walk()) walked.push(d) // another store object: nothing in memory
    expect(walked).toEqual(rs.map((r) => r.digest).sort())
  })

  it('finds a blob another store object wrote after this one looked', async () => {
    const other = await open()
    const [a] = await write(cas, backing, [text(5000, 3)])
    expect(await other.has(sha(text(5000, 4)))).toBe(false) // loads what there is
    const [b] = await write(cas, backing, [text(5000, 4)])
    expect(Buffer.from(await other.get(b.digest)).equals(Buffer.from(text(5000, 4)))).toBe(true)
    expect(await other.has(a.digest)).toBe(true)
  })

  it('says BLOB_NOT_FOUND for a blob it does not have, through every read', async () => {
    await write(cas, backing, [text(1000)])
    const d = sha(text(999))
    for (const read of [() => cas.get(d), () => collect(cas.getStream(d)), () => collect(cas.getMany([sha(text(1000)), d]))]) {
      expect(await failure(read)).toMatchObject({ code: 'BLOB_NOT_FOUND', data: { digest: d } })
    }
    expect(await cas.has(d)).toBe(false)
    expect(await cas.stat(d)).toBeUndefined()
  })

  it('reports damaged stored bytes as BLOB_CORRUPT naming the digest, through every read', async () => {
    const blobs = [text(80_000, 5), seededBytes(40_000), text(60_000, 6)]
    const rs = await write(cas, backing, blobs)
    for (const [i, r] of rs.entries()) {
      flipStored(l, r.digest, 9 + ((r.stored - 9) >> 1)) // inside the payload
      for (const read of [() => cas.get(r.digest), () => collect(cas.getStream(r.digest)), () => collect(cas.getMany([r.digest]))]) {
        expect(await failure(read), `blob ${i}`).toMatchObject({ code: 'BLOB_CORRUPT', data: { digest: r.digest } })
      }
    }
    flipStored(l, rs[0].digest, 0) // the encoding byte: even stat, which reads only the header, notices
    expect(await failure(() => cas.stat(rs[0].digest))).toMatchObject({ code: 'BLOB_CORRUPT', data: { digest: rs[0].digest } })
  })

  // Decoded on a worker (getMany's runs) or here, the content is hashed and compared either way.
  it("reports another blob's intact stored bytes in a blob's place as BLOB_CORRUPT, through every read", async () => {
    const [a, b] = await write(cas, backing, [new Uint8Array(80_000).fill(97), new Uint8Array(80_000).fill(98)])
    const [at] = storedAt(l, a.digest)
    const [from] = storedAt(l, b.digest)
    expect(at.length).toBe(from.length) // the same bytes compress alike
    const file = readFileSync(at.path)
    readFileSync(from.path).copy(file, at.offset, from.offset, from.offset + from.length)
    writeFileSync(at.path, file)
    for (const read of [() => cas.get(a.digest), () => collect(cas.getStream(a.digest)), () => collect(cas.getMany([a.digest])), () => collect(cas.getMany([b.digest, a.digest]))]) {
      expect(await failure(read)).toMatchObject({ code: 'BLOB_CORRUPT', data: { digest: a.digest } })
    }
    expect(Buffer.from(await cas.get(b.digest)).equals(Buffer.alloc(80_000, 98))).toBe(true)
  })

  it('never turns an invalid digest into a path', async () => {
    for (const d of ['sha256:../../../etc/passwd', 'sha256:ABCDEF' + '0'.repeat(58), 'md5:' + '0'.repeat(32), ''] as Digest[]) {
      for (const read of [() => cas.get(d), () => collect(cas.getStream(d)), () => cas.has(d), () => cas.stat(d), () => cas.delete(d), () => collect(cas.getMany([d]))]) {
        expect((await failure(read)).code).toBe('INVALID_DIGEST')
      }
    }
  })

  it('counts what it stores without reading it, and sweeps what is not live', async () => {
    const blobs = [text(30_000, 7), text(30_000, 8), text(30_000, 9)]
    const rs = await write(cas, backing, blobs)
    const u = await cas.usage()
    expect(u).toMatchObject({ blobs: 3, stored: rs.reduce((a, r) => a + r.stored, 0), packs: backing === 'packed' ? 1 : 0 })
    expect(u.storedSize(rs[1].digest)).toBe(rs[1].stored)
    expect(u.allocated).toBeGreaterThanOrEqual(u.stored)
    const live = new Set([rs[0].digest])
    const s = await cas.sweep((d) => live.has(d))
    expect(s.looseDeleted + s.entriesDropped).toBe(2)
    expect(await cas.has(rs[1].digest)).toBe(false)
    expect(Buffer.from(await cas.get(rs[0].digest)).equals(Buffer.from(blobs[0]))).toBe(true)
    expect((await cas.sweep(() => false)).reclaimed).toBeGreaterThan(0)
    expect(await cas.has(rs[0].digest)).toBe(false)
    expect((await cas.usage()).blobs).toBe(0)
  })
})
