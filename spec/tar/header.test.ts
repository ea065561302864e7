// encodeHeader() / parseHeaderBytes(): every header survives a round trip, ustar is used when
// it suffices and PAX only for what does not fit, and the bytes are deterministic.

import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { encodeHeader, parseHeaderBytes, type TarHeader, type TarEntryType } from '../../lib/tar/index.js'
import { formatDecimal } from '../../lib/tar/_pax.js'
import { writeChecksum } from '../../lib/tar/_fields.js'
import { isStoreError } from '../../lib/errors.js'
import { hdr } from './_helpers.js'

const ascii = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789._-'.split(''))
const wide = fc.constantFrom('é', 'ß', '文', '件', '😀', ' ', '\n')
const char = fc.oneof({ arbitrary: ascii, weight: 9 }, { arbitrary: wide, weight: 1 })
// Pure ASCII paths exercise the ustar prefix/name split, mixed ones the PAX path.
const pathOf = (unit: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(fc.string({ unit, minLength: 1, maxLength: 60, size: 'max' }), { minLength: 1, maxLength: 10, size: 'max' }), fc.boolean())
    .map(([segs, slash]) => segs.join('/') + (slash ? '/' : ''))
const path = fc.oneof(pathOf(ascii), pathOf(char))
const text = fc.oneof(fc.constantFrom('', 'root', 'nobody'), fc.string({ unit: char, maxLength: 40, size: 'max' }))
const bigInt = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0o7777777, 0o7777777 + 1), fc.maxSafeNat())
const mtime = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 34 }),
  fc.integer({ min: -(2 ** 40), max: 0 }),
  fc.double({ min: -1e10, max: 1e11, noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
  fc.constantFrom(1.5, 1e-7, 1700000000.123456789, -0.25),
)
const xattrKey = fc.string({ unit: fc.constantFrom('u', 's', 'e', 'r', '.', 'x', 'é', ' ', '\n'), minLength: 1, maxLength: 20 })
const types: TarEntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo']

const header: fc.Arbitrary<TarHeader> = fc
  .record({
    name: path,
    type: fc.constantFrom(...types),
    mode: fc.integer({ min: 0, max: 0o7777 }),
    uid: bigInt,
    gid: bigInt,
    uname: text,
    gname: text,
    size: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(8 * 2 ** 30 - 1, 8 * 2 ** 30), fc.maxSafeNat()),
    mtime,
    linkname: path,
    devmajor: fc.integer({ min: 0, max: 0o7777777 }),
    devminor: fc.integer({ min: 0, max: 0o7777777 }),
    xattrs: fc.dictionary(xattrKey, fc.uint8Array({ maxLength: 80 }), { maxKeys: 3 }),
  })
  .map((h) => {
    const link = h.type === 'symlink' || h.type === 'hardlink'
    const dev = h.type === 'char' || h.type === 'block'
    return {
      ...h,
      size: h.type === 'file' ? h.size : 0,
      linkname: link ? h.linkname : '',
      devmajor: dev ? h.devmajor : 0,
      devminor: dev ? h.devminor : 0,
      xattrs: { ...h.xattrs },
    }
  })

const td = new TextDecoder()

/** Split encoded header bytes into [PAX records text or undefined, main block]. */
function parts(b: Uint8Array): { pax?: string; main: Uint8Array } {
  if (b.length === 512) return { main: b }
  const size = parseInt(td.decode(b.subarray(124, 135)), 8)
  return { pax: td.decode(b.subarray(512, 512 + size)), main: b.subarray(b.length - 512) }
}

describe('encodeHeader() and parseHeaderBytes()', () => {
  test('round-trip any header: long and unicode names, big ids and sizes, fractional mtime, xattrs (property)', () => {
    fc.assert(
      fc.property(header, (h) => {
        const bytes = encodeHeader(h)
        expect(bytes.length % 512).toBe(0)
        expect(parseHeaderBytes(bytes)).toEqual(h)
        // Deterministic: same input, same bytes, whatever the order xattrs were given in.
        const reordered = { ...h, xattrs: Object.fromEntries(Object.entries(h.xattrs).reverse()) }
        expect(Buffer.from(encodeHeader(reordered)).equals(Buffer.from(bytes))).toBe(true)
        expect(parseHeaderBytes(encodeHeader(h, { forcePax: true }))).toEqual(h)
      }),
      { numRuns: 400 },
    )
  })

  test('a plain ASCII header is one ustar block with magic "ustar\\0" and version "00"', () => {
    const b = encodeHeader(hdr('dir/file.txt', { size: 5, uname: 'root', gname: 'root' }))
    expect(b.length).toBe(512)
    expect(td.decode(b.subarray(257, 265))).toBe('ustar\x0000')
    expect(td.decode(b.subarray(0, 12))).toBe('dir/file.txt')
    expect(td.decode(b.subarray(124, 136))).toBe('00000000005\0')
    expect(b[156]).toBe('0'.charCodeAt(0))
  })

  test('a long ASCII name is split into prefix and name before resorting to PAX', () => {
    const name = `${'a'.repeat(120)}/${'b'.repeat(90)}`
    const b = encodeHeader(hdr(name))
    expect(b.length).toBe(512)
    expect(td.decode(b.subarray(345, 465))).toBe('a'.repeat(120))
    expect(parseHeaderBytes(b).name).toBe(name)
    const unsplittable = 'c'.repeat(101)
    const p = parts(encodeHeader(hdr(unsplittable)))
    expect(p.pax).toBe(`111 path=${unsplittable}\n`)
  })

  test('PAX is used only for what does not fit: size of 8 GiB, big uid, fractional mtime, non-ASCII names', () => {
    expect(encodeHeader(hdr('f', { size: 8 * 2 ** 30 - 1 })).length).toBe(512)
    expect(parts(encodeHeader(hdr('f', { size: 8 * 2 ** 30 }))).pax).toBe('19 size=8589934592\n')
    expect(encodeHeader(hdr('f', { uid: 0o7777777 })).length).toBe(512)
    expect(parts(encodeHeader(hdr('f', { uid: 0o7777777 + 1 }))).pax).toBe('15 uid=2097152\n')
    expect(parts(encodeHeader(hdr('f', { mtime: 1.25 }))).pax).toBe('14 mtime=1.25\n')
    expect(parts(encodeHeader(hdr('f', { mtime: -1 }))).pax).toBe('12 mtime=-1\n')
    expect(parts(encodeHeader(hdr('ünï')))).toMatchObject({ pax: '14 path=ünï\n' })
    expect(parts(encodeHeader(hdr('f', { uname: 'jürgen' }))).pax).toBe('17 uname=jürgen\n')
    expect(parts(encodeHeader(hdr('l', { type: 'symlink', linkname: 'x'.repeat(101) }))).pax).toBe(`115 linkpath=${'x'.repeat(101)}\n`)
  })

  test('PAX records are sorted by key, xattrs stored as SCHILY.xattr.* with raw values', () => {
    const h = hdr('dir/ñ', {
      mtime: 0.5,
      xattrs: { 'user.b': new TextEncoder().encode('two\nlines'), 'user.a': new Uint8Array([0, 0xff, 0x3d]) },
    })
    const b = encodeHeader(h)
    const p = parts(b)
    // Byte order: upper-case SCHILY before lower-case keys. 0xff shows as U+FFFD once decoded.
    expect(p.pax).toBe('27 SCHILY.xattr.user.a=\0\ufffd=\n33 SCHILY.xattr.user.b=two\nlines\n13 mtime=0.5\n15 path=dir/ñ\n')
    expect(td.decode(b.subarray(0, 17))).toBe('PaxHeaders/ñ\0\0\0\0') // named after the entry
    expect(b[156]).toBe('x'.charCodeAt(0))
    expect(parseHeaderBytes(b).xattrs['user.a']).toEqual(new Uint8Array([0, 0xff, 0x3d]))
  })

  test('reads libarchive xattrs, and an xattr named __proto__ as a plain own entry', () => {
    const records = new TextEncoder().encode('38 LIBARCHIVE.xattr.user.lib%20x=aGk=\n31 SCHILY.xattr.__proto__=evil\n')
    const x = encodeHeader(hdr('PaxHeaders/f', { size: records.length })).slice()
    x[156] = 'x'.charCodeAt(0)
    writeChecksum(x)
    const h = parseHeaderBytes(Buffer.concat([x, records, new Uint8Array(512 - records.length), encodeHeader(hdr('f'))]))
    expect(Object.keys(h.xattrs).sort()).toEqual(['__proto__', 'user.lib x'])
    expect(td.decode(h.xattrs['user.lib x'])).toBe('hi')
    expect(Object.getPrototypeOf(h.xattrs)).toBe(Object.prototype)
    expect(parseHeaderBytes(encodeHeader(h))).toEqual(h)
  })

  test('mtime is written as plain decimal, never in exponent notation', () => {
    expect(formatDecimal(1e-7)).toBe('0.0000001')
    expect(formatDecimal(-2.5e-8)).toBe('-0.000000025')
    expect(formatDecimal(1e21)).toBe('1000000000000000000000')
    expect(formatDecimal(1.2345e22)).toBe('12345000000000000000000')
    for (const v of [1e-7, -2.5e-8, 3.14159e-12, 1700000000.5]) expect(Number(formatDecimal(v))).toBe(v)
  })

  test('refuses headers it cannot represent, naming the field', () => {
    const cases: [Partial<TarHeader>, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'a\0b' }, 'name'],
      [{ mode: 0o10000 }, 'mode'],
      [{ uid: -1 }, 'uid'],
      [{ size: 1.5 }, 'size'],
      [{ mtime: NaN }, 'mtime'],
      [{ type: 'char', devmajor: 0o10000000 }, 'devmajor'],
      [{ xattrs: { 'a=b': new Uint8Array(1) } }, 'xattrs'],
      [{ type: 'socket' as TarEntryType }, 'type'],
    ]
    for (const [over, field] of cases) {
      let err: unknown
      try {
        encodeHeader(hdr('f', over))
      } catch (e) {
        err = e
      }
      expect(isStoreError(err, 'INVALID_ARGUMENT'), field).toBe(true)
      expect((err as { data: { field: string } }).data.field).toBe(field)
    }
  })
})
