// Decoding one entry's header blocks into a TarHeader: extension headers first (PAX 'x' and
// 'g', GNU 'L' and 'K'), then the main ustar / GNU / v7 header they apply to.
//
// Precedence, as in GNU tar and Go: PAX records over GNU long names over the ustar fields.
// Global PAX headers ('g') are kept byte-exactly in the headerBytes of the entry that follows
// them (or in the trailer when none follows), but their records are not applied to later
// entries: that keeps parseHeaderBytes(entry.headerBytes) equal to the reader's header, which
// the layer index relies on. Writers of container layers do not emit them (git archive's
// commit comment is the usual one seen in practice).

import type { TarEntryType, TarHeader } from './types.js'
import { BLOCK, checksumOk, decodeUtf8, fieldBytes, isUtf8, isZero, padLength, readNumber, readString, type Field } from './_fields.js'
import { decodePax } from './_pax.js'
import { invalid, truncated, type Where } from './_errors.js'

/** Extension data larger than this is refused (xattr values are at most 64 KiB on Linux). */
export const MAX_EXTENSION = 16 << 20

const EXTENSIONS = new Set(['x', 'g', 'L', 'K'])
const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block',
  '5': 'dir', '6': 'fifo', D: 'dir',
}
// No content follows these whatever their size field says (as in Go's archive/tar).
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6'])
const UNSUPPORTED: Record<string, string> = { S: 'GNU sparse file', M: 'GNU multi-volume continuation', V: 'GNU volume label', N: 'old GNU long name' }

const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : decodeUtf8(b))

/** Collects the extension headers of one entry, then decodes its main header. */
export class HeaderDecoder {
  private pax = new Map<string, Uint8Array>()
  private longName?: string
  private longLink?: string
  /** The name or link target is not valid UTF-8 (decoded lossily; the header says so). */
  private notUtf8 = false
  /** True while every extension header seen is a global one ('g'). */
  globalsOnly = true

  /** Name of the entry as far as known yet (for error messages). */
  name(): string | undefined {
    return dec(this.pax.get('path')) ?? this.longName
  }

  /**
   * Verify a header block's checksum. Returns the size of the data that follows an extension
   * header, or undefined for the entry's main header.
   */
  begin(block: Uint8Array, offset: number): number | undefined {
    const w = { offset, name: this.name() }
    if (!checksumOk(block)) {
      throw invalid(isZero(block) ? 'zero block where a header was expected' : 'header checksum mismatch', w)
    }
    if (!EXTENSIONS.has(String.fromCharCode(block[156]!))) return undefined
    const size = readNumber(block, 'size')
    if (!(size >= 0)) throw invalid('bad size field in an extension header', w)
    if (size > MAX_EXTENSION) throw invalid(`extension header of ${size} bytes is too large`, w)
    return size
  }

  /** Apply an extension header and its data (without padding). */
  extension(block: Uint8Array, data: Uint8Array, offset: number): void {
    const tf = String.fromCharCode(block[156]!)
    if (tf !== 'g') this.globalsOnly = false
    if (tf === 'L' || tf === 'K') {
      const nul = data.indexOf(0)
      const raw = nul < 0 ? data : data.subarray(0, nul)
      if (!isUtf8(raw)) this.notUtf8 = true
      const s = decodeUtf8(raw)
      if (tf === 'L') this.longName = s
      else this.longLink = s
      return
    }
    let records: Map<string, Uint8Array>
    try {
      records = decodePax(data)
    } catch (e) {
      throw invalid(`malformed PAX header (${(e as Error).message})`, { offset, name: this.name() })
    }
    if (tf === 'x') for (const [k, v] of records) this.pax.set(k, v)
  }

  /** Decode the main header block. header.size is the length of the content that follows. */
  finish(block: Uint8Array, offset: number): TarHeader {
    const name = this.decodeName(block)
    const w: Where = { offset, name }
    const tf = String.fromCharCode(block[156]!)
    if (UNSUPPORTED[tf]) throw invalid(`unsupported entry type '${tf}' (${UNSUPPORTED[tf]})`, w)
    for (const k of this.pax.keys()) if (k.startsWith('GNU.sparse.')) throw invalid('unsupported GNU sparse file', w)
    let type = TYPES[tf] ?? 'file' // POSIX: an unknown type reads as a regular file
    if (tf === '\0' && name.endsWith('/')) type = 'dir' // pre-POSIX tars mark folders by a slash

    const field = (f: Field, min = 0): number => {
      const v = readNumber(block, f)
      if (!(v >= min)) throw invalid(`bad ${f} field`, w)
      return v
    }
    const paxInt = (key: string, fallback: () => number): number => {
      const s = dec(this.pax.get(key))
      if (s === undefined) return fallback()
      const v = Number(s)
      if (!/^\d+$/.test(s) || !Number.isSafeInteger(v)) throw invalid(`bad PAX ${key} "${s}"`, w)
      return v
    }
    const ext = isUstar(block) || isGnu(block)
    const size = paxInt('size', () => field('size'))
    const dev = type === 'char' || type === 'block'
    const h: TarHeader = {
      name,
      type,
      mode: field('mode') & 0o7777,
      uid: paxInt('uid', () => field('uid')),
      gid: paxInt('gid', () => field('gid')),
      uname: dec(this.pax.get('uname')) ?? (ext ? readString(block, 'uname') : ''),
      gname: dec(this.pax.get('gname')) ?? (ext ? readString(block, 'gname') : ''),
      size: HEADER_ONLY.has(tf) || (tf === '\0' && type === 'dir') ? 0 : size,
      mtime: this.mtime(() => field('mtime', -Infinity), w),
      linkname: dec(this.pax.get('linkpath')) ?? this.longLink ?? readString(block, 'linkname'),
      devmajor: dev && ext ? field('devmajor') : 0,
      devminor: dev && ext ? field('devminor') : 0,
      xattrs: this.xattrs(w),
    }
    for (const k of ['path', 'linkpath']) {
      const v = this.pax.get(k)
      if (v && !isUtf8(v)) this.notUtf8 = true
    }
    if (!this.pax.has('path') && this.longName === undefined && !isUtf8(fieldBytes(block, 'name'))) this.notUtf8 = true
    if (!this.pax.has('path') && this.longName === undefined && isUstar(block) && !isUtf8(fieldBytes(block, 'prefix'))) this.notUtf8 = true
    if (!this.pax.has('linkpath') && this.longLink === undefined && !isUtf8(fieldBytes(block, 'linkname'))) this.notUtf8 = true
    if (this.notUtf8) h.notUtf8 = true
    return h
  }

  private decodeName(block: Uint8Array): string {
    const p = dec(this.pax.get('path')) ?? this.longName
    if (p !== undefined) return p
    const n = readString(block, 'name')
    if (!isUstar(block)) return n // GNU and v7 headers have no prefix field
    // star puts atime/ctime after a 131-byte prefix and marks that with "tar\0" at 508.
    const star = block[508] === 0x74 && block[509] === 0x61 && block[510] === 0x72 && block[511] === 0
    const prefix = readString(block, 'prefix', star ? 131 : 155)
    return prefix ? `${prefix}/${n}` : n
  }

  private mtime(fallback: () => number, w: Where): number {
    const s = dec(this.pax.get('mtime'))
    if (s === undefined) return fallback()
    const v = Number(s)
    if (!/^-?\d+(\.\d+)?$/.test(s) || !Number.isFinite(v)) throw invalid(`bad PAX mtime "${s}"`, w)
    return v
  }

  private xattrs(w: Where): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = {}
    for (const [k, v] of this.pax) {
      // libarchive's form: URL-encoded name, base64 value. SCHILY (GNU tar, Go) wins on a tie.
      if (!k.startsWith('LIBARCHIVE.xattr.')) continue
      try {
        put(out, decodeURIComponent(k.slice(17)), Uint8Array.from(atob(decodeUtf8(v)), (c) => c.charCodeAt(0)))
      } catch {
        throw invalid(`bad PAX record ${k}`, w)
      }
    }
    for (const [k, v] of this.pax) if (k.startsWith('SCHILY.xattr.')) put(out, k.slice(13), v)
    return out
  }
}

/** An own property even for a name like "__proto__" (an archive chooses these names). */
function put(o: Record<string, Uint8Array>, k: string, v: Uint8Array): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
}

function isUstar(block: Uint8Array): boolean {
  // "ustar\0"; the version is not checked (some writers put "\0\0" or "  ").
  return block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0
}

function isGnu(block: Uint8Array): boolean {
  // "ustar  \0": old GNU; its prefix area holds atime/ctime and sparse data instead.
  const m = fieldBytes(block, 'magic')
  return m.length === 6 && decodeUtf8(m) === 'ustar ' && block[263] === 0x20
}

/**
 * Re-parse one entry's header from its exact header bytes (extension blocks included), as
 * stored by the layer index. Gives the same header the reader gave for that entry.
 */
export function parseHeaderBytes(headerBytes: Uint8Array): TarHeader {
  if (headerBytes.length === 0 || headerBytes.length % BLOCK !== 0) {
    throw invalid(`header bytes of length ${headerBytes.length} are not whole blocks`, { offset: 0 })
  }
  const d = new HeaderDecoder()
  let off = 0
  for (;;) {
    const block = headerBytes.subarray(off, off + BLOCK)
    if (block.length < BLOCK) throw truncated('no main header after the extension headers', { offset: off, name: d.name() })
    const ext = d.begin(block, off)
    if (ext === undefined) {
      const h = d.finish(block, off)
      if (off + BLOCK !== headerBytes.length) throw invalid('bytes after the main header', { offset: off + BLOCK, name: h.name })
      return h
    }
    const end = off + BLOCK + ext
    if (end > headerBytes.length) throw truncated('extension header data cut short', { offset: off, name: d.name() })
    d.extension(block, headerBytes.subarray(off + BLOCK, end), off)
    off = end + padLength(ext)
  }
}
