// readTar(): entries in order, bodies streamed or skipped, and the exact bytes of headers,
// paddings and trailer, so any archive is rebuilt byte for byte however its input is split.

import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { encodeHeader, END_OF_ARCHIVE, padding, readTar, writeTar, type TarHeader } from '../../lib/tar/index.js'
import { writeChecksum } from '../../lib/tar/_fields.js'
import { isStoreError, type StoreError } from '../../lib/errors.js'
import { collect, hdr, randomSplits, readAll, whole } from './_helpers.js'

const enc = new TextEncoder()

async function tarOf(entries: { header: TarHeader; body?: Uint8Array }[], end = true): Promise<Buffer> {
  const b = await collect(writeTar(entries))
  return end ? b : b.subarray(0, b.length - 1024)
}

async function failure(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p
  } catch (e) {
    if (isStoreError(e)) return e
    throw e
  }
  throw new Error('expected a StoreError')
}

/** A header block with some bytes replaced and its checksum made right again. */
function patched(h: TarHeader, at: number, bytes: number[] | string): Uint8Array {
  const b = encodeHeader(h).slice(-512)
  b.set(typeof bytes === 'string' ? enc.encode(bytes) : bytes, at)
  writeChecksum(b)
  return b
}

const entryArb = fc
  .record({
    name: fc.stringMatching(/^[a-z0-9]{1,20}(\/[a-zé文]{1,60}){0,4}$/),
    type: fc.constantFrom('file', 'file', 'file', 'dir', 'symlink', 'hardlink', 'fifo', 'char'),
    body: fc.uint8Array({ maxLength: 3000 }),
    mtime: fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), fc.double({ min: 0, max: 2e9, noNaN: true })),
    uid: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat()),
  })
  .map(({ name, type, body, mtime, uid }) => {
    const file = type === 'file'
    const header = hdr(name, { type: type as TarHeader['type'], size: file ? body.length : 0, mtime, uid, linkname: type === 'symlink' || type === 'hardlink' ? `t/${name}` : '' })
    return { header, body: file ? body : undefined }
  })

describe('readTar()', () => {
  test('rebuilds any archive byte for byte and returns its headers and bodies, however the input is split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 8 }),
        fc.integer({ min: 0, max: 20 }), // extra zero blocks of record padding
        fc.uint8Array({ maxLength: 40 }), // junk after the end
        fc.integer(),
        async (entries, extra, junk, seed) => {
          const tar = Buffer.concat([await tarOf(entries), new Uint8Array(512 * extra), junk])
          const r = await readAll(randomSplits(tar, seed))
          expect(r.bytes.equals(tar)).toBe(true)
          expect(r.entries.map((e) => e.header)).toEqual(entries.map((e) => e.header))
          r.entries.forEach((e, i) => expect(e.body.equals(entries[i]!.body ?? new Uint8Array(0))).toBe(true))
          expect(r.trailer.length).toBe(1024 + 512 * extra + junk.length)
        },
      ),
      { numRuns: 150, seed: 42 },
    )
  })

  test('skips a body the consumer did not read, wholly or in part', async () => {
    const a = new Uint8Array(5000).fill(1)
    const b = new Uint8Array(1300).fill(2)
    const tar = await tarOf([{ header: hdr('a', { size: a.length }), body: a }, { header: hdr('b', { size: b.length }), body: b }, { header: hdr('c') }])
    for (const seed of [1, 2, 3]) {
      const names: string[] = []
      let bBody: Uint8Array | undefined
      let first: AsyncIterable<Uint8Array> | undefined
      for await (const e of readTar(randomSplits(tar, seed))) {
        names.push(e.header.name)
        if (e.header.name === 'a') first = e.body // never read
        if (e.header.name === 'b') {
          for await (const c of e.body) {
            bBody = c // read one piece, then leave the rest
            break
          }
        }
      }
      expect(names).toEqual(['a', 'b', 'c'])
      expect(bBody!.every((x) => x === 2)).toBe(true)
      // A skipped body is gone: reading it late is a programming error, not silent emptiness.
      await expect(collect(first!)).rejects.toThrow(/moved on/)
    }
  })

  test('padding() is known as soon as the last content byte is handed out', async () => {
    const body = new Uint8Array(700).fill(7)
    const tar = await tarOf([{ header: hdr('f', { size: 700 }), body }])
    for await (const e of readTar(randomSplits(tar, 9))) {
      expect(() => e.padding()).toThrow(/consumed/)
      const it = e.body[Symbol.asyncIterator]()
      let n = 0
      while (n < 700) n += (await it.next()).value!.length
      expect(e.padding()).toEqual(new Uint8Array(324))
    }
  })

  test('keeps non-zero padding bytes exactly', async () => {
    const tar = await tarOf([{ header: hdr('f', { size: 3 }), body: enc.encode('abc') }])
    tar[515] = 0x55
    const r = await readAll(whole(tar))
    expect(r.entries[0]!.padding[0]).toBe(0x55)
    expect(r.bytes.equals(tar)).toBe(true)
  })

  test('reads an archive without end-of-archive blocks (as umoci writes) with an empty trailer', async () => {
    const tar = await tarOf([{ header: hdr('.wh.gone') }, { header: hdr('x', { size: 2 }), body: enc.encode('hi') }], false)
    const r = await readAll(randomSplits(tar, 4))
    expect(r.entries.map((e) => e.header.name)).toEqual(['.wh.gone', 'x'])
    expect(r.trailer.length).toBe(0)
    expect(r.bytes.equals(tar)).toBe(true)
  })

  test('an empty input has no entries; a lone end marker is all trailer', async () => {
    expect(await readAll(whole(new Uint8Array(0)))).toMatchObject({ entries: [], trailer: new Uint8Array(0) })
    const r = await readAll(whole(END_OF_ARCHIVE))
    expect(r.entries).toEqual([])
    expect(r.trailer).toEqual(new Uint8Array(1024))
  })

  test('a cut anywhere but between entries or inside the trailer is TAR_TRUNCATED', async () => {
    const big = new Uint8Array(700).fill(3)
    const tar = await tarOf([
      { header: hdr('dir/', { type: 'dir' }) },
      { header: hdr(`long/${'n'.repeat(120)}`, { size: big.length, xattrs: { 'user.k': enc.encode('v') } }), body: big },
      { header: hdr('link', { type: 'symlink', linkname: 'dir' }) },
      { header: hdr('empty') },
    ])
    const full = await readAll(whole(tar))
    const ends = [0]
    for (const e of full.entries) ends.push(ends.at(-1)! + e.headerBytes.length + e.body.length + e.padding.length)
    const trailerStart = ends.at(-1)!
    for (let cut = 0; cut <= tar.length; cut++) {
      const part = tar.subarray(0, cut)
      if (ends.includes(cut) || cut >= trailerStart) {
        const r = await readAll(whole(part))
        expect(r.bytes.equals(part)).toBe(true)
        expect(r.entries.length).toBe(cut >= trailerStart ? 4 : ends.indexOf(cut))
      } else {
        const err = await failure(readAll(whole(part)))
        expect(err.code, `cut at ${cut}`).toBe('TAR_TRUNCATED')
        const entry = ends.filter((x) => x <= cut).length - 1
        expect(err.data.offset).toBeGreaterThanOrEqual(ends[entry]!)
        if (cut >= ends[entry]! + full.entries[entry]!.headerBytes.length) {
          expect(err.data.name).toBe(full.entries[entry]!.header.name) // cut after the header: named
        }
      }
    }
  })

  test('a corrupted header checksum is TAR_INVALID at that header', async () => {
    const tar = await tarOf([{ header: hdr('a', { size: 1 }), body: enc.encode('x') }, { header: hdr('b') }])
    tar[1024 + 10] = 0x41 // a byte in the name of the second header (at 1024)
    const err = await failure(readAll(randomSplits(tar, 5)))
    expect(err.code).toBe('TAR_INVALID')
    expect(err.data).toEqual({ offset: 1024 })
    const bad = await tarOf([{ header: hdr('a') }])
    bad[148] = 0x39 // not an octal digit
    expect((await failure(readAll(whole(bad)))).code).toBe('TAR_INVALID')
  })

  test('accepts a checksum computed over signed bytes (old Sun and GNU tars)', async () => {
    const b = encodeHeader(hdr('ñame')).slice(-512) // bytes >= 0x80 make the two sums differ
    let signed = 0
    for (let i = 0; i < 512; i++) signed += i >= 148 && i < 156 ? 32 : b[i]! >= 128 ? b[i]! - 256 : b[i]!
    b.set(enc.encode(signed.toString(8).padStart(6, '0') + '\0 '), 148)
    const r = await readAll(whole(Buffer.concat([b, END_OF_ARCHIVE])))
    expect(r.entries[0]!.header.name).toBe('ñame')
  })

  test('reads GNU base-256 numbers: a uid beyond octal and a negative mtime', async () => {
    const b = patched(hdr('g'), 108, [0x80, 0, 0, 0, 0xb2, 0xd0, 0x5e, 0x00]) // 3e9 > 0o7777777
    b.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 136)
    writeChecksum(b)
    const r = await readAll(whole(Buffer.concat([b, END_OF_ARCHIVE])))
    expect(r.entries[0]!.header).toMatchObject({ uid: 3000000000, mtime: -2 })
  })

  test('reads old headers: v7 (no magic), \\0 typeflag, a trailing slash as folder, contiguous files', async () => {
    const v7 = patched(hdr('old/', { uname: 'nobody' }), 156, [0])
    v7.fill(0, 257, 345)
    writeChecksum(v7)
    const contiguous = patched(hdr('c', { size: 1 }), 156, '7')
    const r = await readAll(whole(Buffer.concat([v7, contiguous, enc.encode('z'), padding(1), END_OF_ARCHIVE])))
    expect(r.entries.map((e) => [e.header.name, e.header.type, e.header.uname])).toEqual([['old/', 'dir', ''], ['c', 'file', '']])
    expect(r.entries[1]!.body.toString()).toBe('z')
  })

  test('refuses GNU sparse and multi-volume entries rather than returning wrong content', async () => {
    const sparse = patched(hdr('s'), 156, 'S')
    const err = await failure(readAll(whole(Buffer.concat([sparse, END_OF_ARCHIVE]))))
    expect(err).toMatchObject({ code: 'TAR_INVALID', data: { offset: 0, name: 's' } })
  })

  test('keeps a global PAX header in the next entry\'s headerBytes (or the trailer), without applying it', async () => {
    const records = enc.encode('24 comment=0123456789ab\n')
    const g = patched(hdr('pax_global_header', { size: records.length }), 156, 'g')
    const gBytes = Buffer.concat([g, records, padding(records.length)])
    const f = encodeHeader(hdr('f'))
    const tar = Buffer.concat([gBytes, f, gBytes, END_OF_ARCHIVE])
    const r = await readAll(randomSplits(tar, 11))
    expect(r.bytes.equals(tar)).toBe(true)
    expect(r.entries.length).toBe(1)
    expect(Buffer.from(r.entries[0]!.headerBytes).equals(Buffer.concat([gBytes, f]))).toBe(true)
    expect(r.entries[0]!.header.name).toBe('f')
    expect(r.trailer.length).toBe(gBytes.length + 1024)
  })

  test('streams an entry over 8 GiB without holding it: content arrives as views of the input', async () => {
    const size = 8 * 2 ** 30 + 3
    const head = encodeHeader(hdr('huge', { size }))
    const chunk = new Uint8Array(4 << 20)
    const inputs = new Set<ArrayBufferLike>()
    async function* src(): AsyncGenerator<Uint8Array> {
      yield head
      let left = size
      while (left > 0) {
        const c = chunk.subarray(0, Math.min(left, chunk.length))
        left -= c.length
        inputs.add(c.buffer)
        yield c
      }
      yield Buffer.concat([padding(size), encodeHeader(hdr('after')), END_OF_ARCHIVE])
    }
    const heapBefore = process.memoryUsage().heapUsed
    const seen: [string, number][] = []
    for await (const e of readTar(src())) {
      let n = 0
      for await (const c of e.body) {
        n += c.length
        expect(inputs.has(c.buffer)).toBe(true)
      }
      seen.push([e.header.name, n])
      expect(e.padding().length).toBe(padding(e.header.size).length)
    }
    expect(seen).toEqual([['huge', size], ['after', 0]])
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 << 20)
  })

  test('can be iterated once; the trailer comes after the last entry; stopping early closes the input', async () => {
    const tar = await tarOf([{ header: hdr('a') }, { header: hdr('b') }])
    let closed = false
    async function* src() {
      try {
        yield tar.subarray(0, 600)
        yield tar.subarray(600)
      } finally {
        closed = true
      }
    }
    let trailerSeen = false
    const reader = readTar(src(), { trailer: async () => void (trailerSeen = true) })
    for await (const e of reader) {
      expect(e.header.name).toBe('a')
      break
    }
    expect(closed).toBe(true)
    expect(trailerSeen).toBe(false)
    expect(() => reader[Symbol.asyncIterator]()).toThrow(/once/)
  })

  test('streams a trailer of any size as views of the input, never holding it; without a consumer it is read past', async () => {
    const zeros = new Uint8Array(4 << 20)
    const inputs = new Set<ArrayBufferLike>([zeros.buffer])
    const n = 64
    async function* src(): AsyncGenerator<Uint8Array> {
      yield Buffer.concat([encodeHeader(hdr('a')), END_OF_ARCHIVE])
      for (let i = 0; i < n; i++) yield zeros
    }
    let total = 0
    let views = 0
    for await (const e of readTar(src(), {
      trailer: async (t) => {
        for await (const b of t) {
          total += b.length
          if (inputs.has(b.buffer)) views++
        }
      },
    })) expect(e.header.name).toBe('a')
    expect(total).toBe(1024 + n * zeros.length)
    expect(views).toBe(n)
    let read = 0
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const b of src()) {
        read += b.length
        yield b
      }
    }
    for await (const e of readTar(counted())) expect(e.header.name).toBe('a')
    expect(read).toBe(1536 + n * zeros.length)
  })
})
