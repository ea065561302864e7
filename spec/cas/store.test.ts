// The loose write path against a real temp root, once per backend pairing (native hash + zlib,
// wasm hash + fflate) and per encoding each writes: put/putStream into blobs/, streaming ingest
// and reads of large blobs, races, corruption, cleanIngest. The read contract for both
// backings (loose and packed) is contract.test.ts.

import { createHash } from 'node:crypto'
import { seededBytes } from '../_fixtures/seeded.js'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createContentStore, type ContentStore } from '../../lib/cas/index.js'
import { loadCodec, type CodecBackendName, type Encoding } from '../../lib/codec/index.js'
import { loadHashBackend, type Digest, type HashBackendName } from '../../lib/digest/index.js'
import { layout, type Layout } from '../../lib/layout.js'

const sha = (b: Uint8Array): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`
const text = (n: number) => new TextEncoder().encode('content-addressed line of text, fairly compressible\n'.repeat(Math.ceil(n / 52))).subarray(0, n)

async function* pieces(b: Uint8Array, size = 65536): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size)
}

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of src) parts.push(Buffer.from(b))
  return Buffer.concat(parts)
}

async function failure(p: Promise<unknown> | (() => Promise<unknown>)): Promise<{ code?: string; data?: Record<string, unknown> }> {
  const e = await (typeof p === 'function' ? p() : p).then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e, 'expected the call to fail').toBeDefined()
  return e as { code?: string; data?: Record<string, unknown> }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return out.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

async function flipByte(path: string, at: number): Promise<void> {
  const b = await readFile(path)
  expect(at).toBeLessThan(b.length)
  b[at] ^= 0x55
  await writeFile(path, b)
}

describe.each<[HashBackendName, CodecBackendName, Encoding]>([
  ['native', 'zlib', 'zstd'],
  ['native', 'zlib', 'brotli'],
  ['native', 'zlib', 'deflate'],
  ['wasm', 'fflate', 'zstd'],
  ['native', 'zlib', 'raw'],
  ['wasm', 'fflate', 'deflate'],
  ['wasm', 'fflate', 'raw'],
])('content store (%s hash, %s codec writing %s)', (hashName, codecName, encoding) => {
  let dir: string
  let l: Layout
  let cas: ContentStore
  const open = async () => createContentStore({ layout: l, hash: await loadHashBackend(hashName), codec: await loadCodec(codecName, { encoding }) })
  /** What compressible data is stored as, and at most how large (of its size). */
  const packed = encoding !== 'raw'
  const atMost = (n: number, ratio: number) => (packed ? n * ratio : n + 9)

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'store-cas-'))
    l = layout(join(dir, 'root'))
    cas = await open()
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('puts, gets, stats, lists and deletes a blob named by the SHA-256 of its bytes', async () => {
    const data = text(100_000)
    const d = sha(data)
    const r = await cas.put(data)
    expect(r).toMatchObject({ digest: d, size: data.length, existed: false })
    expect(r.stored).toBeLessThanOrEqual(atMost(data.length, 1 / 4))
    expect((await stat(l.blob(d))).size).toBe(r.stored)
    expect(l.blob(d)).toBe(`${l.root}/blobs/sha256/${d.slice(7, 9)}/${d.slice(7)}`)
    expect(Buffer.from(await cas.get(d)).equals(Buffer.from(data))).toBe(true)
    expect(await collect(cas.getStream(d))).toEqual(Buffer.from(data))
    expect(await cas.has(d)).toBe(true)
    expect(await cas.stat(d)).toEqual({ digest: d, size: data.length, stored: r.stored, encoding })

    const small = await cas.put(new TextEncoder().encode('{"a":1}'), { compress: false })
    const walked: Digest[] = []
    for await (const x of cas.walk()) walked.push(x)
    expect(walked).toEqual([d, small.digest].sort())

    expect(await cas.delete(d)).toBe(true)
    expect(await cas.delete(d)).toBe(false)
    expect(await cas.has(d)).toBe(false)
    expect(await cas.stat(d)).toBeUndefined()
    expect(await failure(cas.get(d))).toMatchObject({ code: 'BLOB_NOT_FOUND', data: { digest: d } })
    expect(await failure(collect(cas.getStream(d)))).toMatchObject({ code: 'BLOB_NOT_FOUND' })
    expect(await filesUnder(l.ingestDir)).toEqual([])
  })

  it('stores raw when asked, and when the data does not compress', async () => {
    const t = text(5000)
    const r1 = await cas.put(t, { compress: false })
    expect(r1.stored).toBe(5009)
    expect(await cas.stat(r1.digest)).toMatchObject({ encoding: 'raw', size: 5000 })
    const noise = seededBytes(70_000)
    const r2 = await cas.put(noise)
    expect(await cas.stat(r2.digest)).toMatchObject({ encoding: 'raw', size: 70_000, stored: 70_009 })
    expect(Buffer.from(await cas.get(r2.digest)).equals(noise)).toBe(true)
    const empty = await cas.put(new Uint8Array(0))
    expect(empty.digest).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect((await cas.get(empty.digest)).length).toBe(0)
  })

  it('treats an existing blob as success without rewriting it', async () => {
    const data = text(30_000)
    const first = await cas.put(data)
    const before = await stat(l.blob(first.digest))
    const again = await cas.put(data, { compress: false })
    expect(again).toEqual({ ...first, existed: true })
    const after = await stat(l.blob(first.digest))
    expect(after.ino).toBe(before.ino)
    expect(after.mtimeMs).toBe(before.mtimeMs)
    expect(await filesUnder(l.ingestDir)).toEqual([])
  })

  it('lets concurrent puts of the same bytes all succeed, one of them writing', async () => {
    const data = text(200_000)
    const other = await open() // a second store on the same root: no shared in-process state
    const results = await Promise.all([cas.put(data), cas.put(data), other.put(data), other.put(data, { compress: false }), cas.putStream(pieces(data))])
    expect(new Set(results.map((r) => r.digest))).toEqual(new Set([sha(data)]))
    // link() never replaces: exactly one writer creates the blob, the others see it existing.
    expect(results.filter((r) => !r.existed).length).toBe(1)
    expect(Buffer.from(await cas.get(sha(data))).equals(Buffer.from(data))).toBe(true)
    expect(await filesUnder(l.ingestDir)).toEqual([])
    expect(await filesUnder(l.blobsDir)).toEqual([l.blob(sha(data))])
  })

  it('streams a multi-MB input to disk without buffering it, and reads it back verified', async () => {
    // Hex text: compressible (about 2:1) but not so much that deflate holds it all back.
    const data = new TextEncoder().encode(seededBytes(3 << 20).toString('hex'))
    let seenOnDisk = 0
    async function* src(): AsyncGenerator<Uint8Array> {
      for (let o = 0; o < data.length; o += 65536) {
        if (o === 4 << 20) {
          // Two thirds in: the temp file in ingest/ already holds what came before.
          const [f] = await filesUnder(l.ingestDir)
          seenOnDisk = f ? (await stat(f)).size : 0
        }
        yield data.subarray(o, o + 65536)
      }
    }
    const r = await cas.putStream(src())
    expect(seenOnDisk).toBeGreaterThan(0)
    expect(r).toMatchObject({ digest: sha(data), size: data.length, existed: false })
    expect(await cas.stat(r.digest)).toEqual({ digest: r.digest, size: data.length, stored: r.stored, encoding })
    expect(r.stored).toBeLessThanOrEqual(atMost(data.length, 0.6))
    expect((await collect(cas.getStream(r.digest))).equals(Buffer.from(data))).toBe(true)
    expect(Buffer.from(await cas.get(r.digest)).equals(Buffer.from(data))).toBe(true)
    expect(await filesUnder(l.ingestDir)).toEqual([])

    const noise = seededBytes(3 << 20)
    const rn = await cas.putStream(pieces(noise, 100_000))
    expect(await cas.stat(rn.digest)).toMatchObject({ encoding: 'raw', size: noise.length, stored: noise.length + 9 })
    expect((await collect(cas.getStream(rn.digest))).equals(noise)).toBe(true)
  })

  it('streams back a blob that put() stored in more than 1 MiB, through its codec (issue 11)', async () => {
    // The layer index case: one buffer put whole, later read as a stream (fsck, export).
    const data = new TextEncoder().encode(seededBytes(3 << 20).toString('hex'))
    const r = await cas.put(data)
    expect(r.stored).toBeGreaterThan(1 << 20)
    expect(await cas.stat(r.digest)).toMatchObject({ encoding, size: data.length })
    expect((await collect(cas.getStream(r.digest))).equals(Buffer.from(data))).toBe(true)
  })

  it('stores a small stream like put()', async () => {
    const data = text(3000)
    const r = await cas.putStream(pieces(data, 1000))
    expect(r).toEqual(await cas.put(data).then((x) => ({ ...x, existed: false })))
  })

  it('rejects a put whose bytes do not match the expected digest, leaving nothing behind', async () => {
    const data = text(50_000)
    const wrong = sha(new TextEncoder().encode('something else'))
    for (const attempt of [
      () => cas.put(data, { expected: wrong }),
      () => cas.putStream(pieces(data), { expected: wrong }),
      () => cas.putStream(pieces(text(3 << 20)), { expected: wrong }),
      () => cas.putStream(pieces(seededBytes(3 << 20)), { expected: wrong, compress: false }),
    ]) {
      const e = await failure(attempt)
      expect(e.code).toBe('DIGEST_MISMATCH')
      expect(e.data).toMatchObject({ expected: wrong })
    }
    expect(await filesUnder(l.ingestDir)).toEqual([])
    expect(await filesUnder(l.blobsDir)).toEqual([])
    const ok = await cas.put(data, { expected: sha(data) })
    expect(ok.existed).toBe(false)
  })

  it('reports a blob corrupted on disk as BLOB_CORRUPT naming its digest', async () => {
    // Hex text compresses to about half: large enough stored to take the streaming read path.
    const hexText = () => new TextEncoder().encode(seededBytes(2 << 20).toString('hex'))
    const blobs = {
      packed: await cas.put(text(80_000)),
      raw: await cas.put(text(80_001), { compress: false }),
      bigRaw: await cas.putStream(pieces(seededBytes(2 << 20))),
      bigPacked: await cas.putStream(pieces(hexText())),
      bigPacked2: await cas.putStream(pieces(hexText())),
    }
    expect(await cas.stat(blobs.bigPacked.digest)).toMatchObject({ encoding })
    expect(blobs.bigPacked.stored).toBeGreaterThan(1 << 20) // read back as a stream
    const corruptions: [keyof typeof blobs, number][] = [
      ['packed', (blobs.packed.stored >> 1) + 5], // inside the payload, however small it packed
      ['raw', 40_000],
      ['bigRaw', 3 << 19],
      ['bigPacked', 3 << 19], // inside the compressed stream
      ['bigPacked2', 1], // the header now lies about the length
    ]
    for (const [name, at] of corruptions) {
      const d = blobs[name].digest
      await flipByte(l.blob(d), at)
      expect(await failure(cas.get(d)), name).toMatchObject({ code: 'BLOB_CORRUPT', data: { digest: d } })
      expect(await failure(collect(cas.getStream(d))), name).toMatchObject({ code: 'BLOB_CORRUPT', data: { digest: d } })
    }
    // An unknown encoding byte: even stat (which reads only the header) notices.
    await flipByte(l.blob(blobs.packed.digest), 0)
    expect(await failure(cas.stat(blobs.packed.digest))).toMatchObject({ code: 'BLOB_CORRUPT', data: { digest: blobs.packed.digest } })
  })

  it('closes a large blob stream that the reader abandons', async () => {
    const r = await cas.putStream(pieces(seededBytes(3 << 20)))
    for await (const b of cas.getStream(r.digest)) {
      expect(b.length).toBeGreaterThan(0)
      break
    }
    // The handle is closed: deleting and re-reading behaves normally.
    expect(await cas.delete(r.digest)).toBe(true)
    expect(await failure(collect(cas.getStream(r.digest)))).toMatchObject({ code: 'BLOB_NOT_FOUND' })
  })

  it('never turns an invalid digest into a path', async () => {
    const bad = ['sha256:../../../etc/passwd', 'sha256:ABCDEF' + '0'.repeat(58), 'md5:' + '0'.repeat(32), ''] as Digest[]
    for (const d of bad) {
      expect((await failure(cas.get(d))).code).toBe('INVALID_DIGEST')
      expect((await failure(collect(cas.getStream(d)))).code).toBe('INVALID_DIGEST')
      expect((await failure(cas.has(d))).code).toBe('INVALID_DIGEST')
      expect((await failure(cas.stat(d))).code).toBe('INVALID_DIGEST')
      expect((await failure(cas.delete(d))).code).toBe('INVALID_DIGEST')
      expect((await failure(cas.put(new Uint8Array(1), { expected: d }))).code).toBe('INVALID_DIGEST')
    }
    expect(await filesUnder(l.root)).toEqual([])
  })

  it('walks only well-formed blob names', async () => {
    const r = await cas.put(text(1000))
    const hex = r.digest.slice(7)
    const other = 'ff'.repeat(32)
    await mkdir(`${l.blobsDir}/zz`, { recursive: true })
    await writeFile(`${l.blobsDir}/zz/${hex}`, 'junk')
    await writeFile(`${l.blobsDir}/${hex.slice(0, 2)}/${other}`, 'wrong shard')
    await writeFile(`${l.blobsDir}/${hex.slice(0, 2)}/README`, 'junk')
    await writeFile(`${l.blobsDir}/stray`, 'junk')
    const walked: Digest[] = []
    for await (const x of cas.walk()) walked.push(x)
    expect(walked).toEqual([r.digest])
  })

  it('cleans stale ingest files and keeps fresh ones', async () => {
    await mkdir(l.ingestDir, { recursive: true })
    const stale = `${l.ingestDir}/abc.1-dead-1`
    const fresh = `${l.ingestDir}/def.2-beef-2`
    await writeFile(stale, 'x'.repeat(1234))
    await writeFile(fresh, 'y'.repeat(10))
    const old = new Date(Date.now() - 3_600_000)
    await utimes(stale, old, old)
    expect(await cas.cleanIngest(600_000)).toEqual({ files: 1, bytes: 1234 })
    expect(await filesUnder(l.ingestDir)).toEqual([fresh])
    // Ten seconds old, set rather than waited for: a file's time can read a fraction of a
    // millisecond past Date.now() (the clock's integer milliseconds), and 0 then keeps it.
    const recent = new Date(Date.now() - 10_000)
    await utimes(fresh, recent, recent)
    expect(await cas.cleanIngest(0)).toEqual({ files: 1, bytes: 10 })
  })
})

describe('content store across codecs', () => {
  it('reads with fflate what it wrote with zlib, and the other way round', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-cas-'))
    try {
      const l = layout(dir)
      const hash = await loadHashBackend()
      const [z, f] = await Promise.all([loadCodec('zlib', { encoding: 'deflate' }), loadCodec('fflate')])
      const viaZ = createContentStore({ layout: l, hash, codec: z })
      const viaF = createContentStore({ layout: l, hash, codec: f })
      const a = await viaZ.put(text(70_000))
      const b = await viaF.put(text(70_001))
      const c = await viaZ.putStream(pieces(text(3 << 20)))
      expect((await viaF.get(a.digest)).length).toBe(70_000)
      expect((await viaZ.get(b.digest)).length).toBe(70_001)
      expect((await viaF.get(c.digest)).length).toBe(3 << 20)
      expect((await collect(viaF.getStream(c.digest))).length).toBe(3 << 20)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('a backend without an encoding', () => {
  it('refuses a blob of that encoding with BAD_CODEC, whole or streamed, never as corruption', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-cas-'))
    try {
      const l = layout(dir)
      const hash = await loadHashBackend()
      const viaZ = createContentStore({ layout: l, hash, codec: await loadCodec('zlib', { encoding: 'brotli' }) })
      const viaF = createContentStore({ layout: l, hash, codec: await loadCodec('fflate') })
      for (const n of [70_000, 3 << 20]) {
        const r = await viaZ.putStream(pieces(new TextEncoder().encode(seededBytes(n / 2).toString('hex'))))
        expect(await viaF.stat(r.digest)).toMatchObject({ encoding: 'brotli' })
        expect(await failure(viaF.get(r.digest))).toMatchObject({ code: 'BAD_CODEC' })
        expect(await failure(collect(viaF.getStream(r.digest)))).toMatchObject({ code: 'BAD_CODEC' })
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
