// Chunk-aware layer blobs (what eStargz and zstd:chunked do for files, at the store's chunks).
// A layer store pushes is one gzip stream of independent members: a chunk of the store of 32 KiB
// or more alone in its member, everything else (headers, small files, files kept in the layer
// index, padding) in members of about 64 KiB of the tar (deflate's window is 32 KiB, so little is
// lost against one stream), and last its table of contents: empty gzip members whose extra field
// (RFC 1952 FEXTRA, subfield "ST") carries the TOC. Every gzip reader (Go's, zlib's, pigz) reads
// the blob as the layer's tar and skips the TOC, so the diffID, and the image ID, are what a plain
// gzip of the same tar gives; Docker and containerd pull and run it as any layer. The manifest's
// layer descriptor says where the TOC is (annotation `org.store.chunked.toc`: `offset:length`,
// the blob's last bytes).
//
// The TOC lists each member's pieces of the tar (a chunk by its SHA-256, or other bytes) and
// carries those other bytes itself (deflated together they are small: a tar header is mostly
// zeros), so a pull never fetches a member for a header. A pull that finds the annotation reads
// the TOC with one Range request, takes every chunk the store has from the store, fetches only
// the members that hold chunks it lacks (neighbours within 64 KiB merged into one request, a few
// in flight, each resumed where its connection broke), checks each fetched chunk against its
// digest and rebuilds the tar in order; the config's diffID then checks the whole, as for any
// pull. A registry that does not answer Range requests, or a TOC too large to hold, gets the
// whole blob instead.
//
// TOC: u32 length of the structure, then the structure and the other bytes, each deflated.
// Structure: "STOC", version 2, member count; per member: uncompressed size, compressed size,
// piece count, and per piece its kind (0 other bytes, 1 a chunk), its size and a chunk's
// SHA-256 (varints). The other bytes are every kind-0 piece's, in order.

import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createDeflateRaw, deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib'
import { Codes, StoreError } from '../errors.js'
import type { WorkerPools } from '../_workerPool.js'
import { gzipMember } from '../codec/gzip.js'
import type { TarPiece } from '../layer/index.js'
import type { OnProgress } from '../progress.js'
import { registryError, type RegistryClient } from './client.js'

export const TOC_ANNOTATION = 'org.store.chunked.toc'

/** Where the TOC is: the blob's last `length` bytes, from `offset`. */
export interface TocPlace {
  offset: number
  length: number
}

/** Members compressed ahead of the upload. */
const AHEAD = 8
/** TOC bytes per extra field (XLEN is 16 bits, 4 of them the subfield's header). */
const TOC_PIECE = 65000
/** Bounds on what a TOC from a registry may ask for (beyond them: the whole blob). */
const TOC_MAX = 64 << 20
const TOC_INFLATED_MAX = 256 << 20
const SEGMENT_MAX = 8 << 20
/**
 * Missing members closer than this are fetched in one request: about what a request and its
 * answer's headers cost. Measured on a patch release (`npm run bench registry`): merging
 * across 64 KiB gaps fetched 2.3 MB where 8 KiB fetched 1.5 MB and none 1.49 MB.
 */
const GAP = 1 << 10
/**
 * One Range request asks for at most this much; this many are in flight, holding at most
 * AHEAD_BYTES between them (beyond the one being read): many small ranges hide the round
 * trips, and a cold pull's big ones neither pile up in memory nor leave the ingest idle.
 */
const RANGE_MAX = 2 << 20
const RANGES_AHEAD = 8
const AHEAD_BYTES = 8 << 20
const RANGE_RETRIES = 5

/** Docker's words for a layer that is not what its digest says, and which part of it. */
const corrupt = (digest: string, what: string) => new StoreError(Codes.REGISTRY_ERROR, `filesystem layer verification failed for digest ${digest}: ${what}`)

/** A TOC this store cannot use (too large to hold): the pull takes the whole blob. */
class TooLarge extends Error {}

/** Members a TOC may list (a 64 GiB layer of 64 KiB members has a million). */
const MEMBERS_MAX = 1 << 20

/** A piece of the tar in a member: a chunk by its SHA-256 (hex), or other bytes (carried in the TOC). */
interface Piece {
  size: number
  chunk?: string
}

/** A member of the blob: its pieces, their total size, and its compressed size. */
export interface Member {
  size: number
  csize: number
  pieces: Piece[]
}

/** gzip's level: Docker's (Go's default, 6); members compress on every core, and level 1 made blobs a quarter larger than Docker's. */
const LEVEL = 6
/** A chunk this large or larger has a member of its own (fetched alone when missing). */
const ALONE = 32 << 10
/** Other pieces and smaller chunks are grouped into members of about this size. */
const GROUP = 64 << 10

/** The layer's pieces as the chunk-aware gzip blob; `toc` is filled in once the blob is written. */
export async function* chunkedGzip(workers: WorkerPools, pieces: AsyncIterable<TarPiece>, toc: Partial<TocPlace>): AsyncGenerator<Uint8Array> {
  const members: Member[] = []
  const queue: { m: Member; out: Promise<Uint8Array> }[] = []
  const literal = new Deflater()
  let literals: Promise<void>[] = []
  let group: TarPiece[] = []
  let groupSize = 0
  let offset = 0
  const send = (ps: TarPiece[], size: number) => {
    if (size === 0) return
    const m: Member = { size, csize: 0, pieces: ps.map((p) => (p.chunk ? { size: p.bytes.length, chunk: p.chunk } : { size: p.bytes.length })) }
    for (const p of ps) if (!p.chunk) literals.push(literal.write(p.bytes))
    members.push(m)
    const out = gzipMember(workers, ps.length === 1 ? ps[0].bytes : Buffer.concat(ps.map((p) => p.bytes), size), LEVEL)
    out.catch(() => {}) // its turn reports it
    queue.push({ m, out })
  }
  const flush = () => {
    send(group, groupSize)
    group = []
    groupSize = 0
  }
  async function* drain(keep: number) {
    while (queue.length > keep) {
      const q = queue.shift()!
      const out = await q.out
      q.m.csize = out.length
      offset += out.length
      yield out
    }
  }
  for await (const p of pieces) {
    if (p.bytes.length === 0) continue
    if (p.chunk && p.bytes.length >= ALONE) {
      flush()
      send([p], p.bytes.length)
    } else {
      group.push(p)
      groupSize += p.bytes.length
      if (groupSize >= GROUP) flush()
    }
    yield* drain(AHEAD)
    await Promise.all(literals)
    literals = []
  }
  flush()
  yield* drain(0)
  await Promise.all(literals)
  const bytes = encodeToc(members, await literal.end())
  toc.offset = offset
  toc.length = 0
  for (let at = 0; at < bytes.length; at += TOC_PIECE) {
    const m = extraMember(bytes.subarray(at, at + TOC_PIECE))
    toc.length += m.length
    yield m
  }
}

/** Deflate of the pieces written so far, a block at a time (the other bytes of a layer: headers mostly). */
class Deflater {
  private pending: Uint8Array[] = []
  private pendingSize = 0
  private readonly out: Uint8Array[] = []
  private readonly z = createDeflateRaw()
  constructor() {
    this.z.on('data', (b: Buffer) => this.out.push(b))
  }
  async write(b: Uint8Array): Promise<void> {
    this.pending.push(b)
    this.pendingSize += b.length
    if (this.pendingSize >= 1 << 20) await this.push()
  }
  private async push(): Promise<void> {
    if (this.pendingSize === 0) return
    const block = Buffer.concat(this.pending, this.pendingSize)
    this.pending = []
    this.pendingSize = 0
    if (!this.z.write(block)) await once(this.z, 'drain')
  }
  async end(): Promise<Uint8Array> {
    await this.push()
    const done = once(this.z, 'end')
    this.z.end()
    await done
    return Buffer.concat(this.out)
  }
}

function encodeToc(members: Member[], literal: Uint8Array): Uint8Array {
  let pieces = 0
  for (const m of members) pieces += m.pieces.length
  const out = Buffer.alloc(16 + members.length * 16 + pieces * 40)
  let n = out.write('STOC', 0, 'latin1')
  out[n++] = 2
  const varint = (v: number) => {
    while (v >= 0x80) {
      out[n++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    out[n++] = v
  }
  varint(members.length)
  for (const m of members) {
    varint(m.size)
    varint(m.csize)
    varint(m.pieces.length)
    for (const p of m.pieces) {
      out[n++] = p.chunk ? 1 : 0
      varint(p.size)
      if (p.chunk) n += out.write(p.chunk, n, 'hex')
    }
  }
  const structure = deflateRawSync(out.subarray(0, n))
  const head = Buffer.alloc(4)
  head.writeUInt32BE(structure.length)
  return Buffer.concat([head, structure, literal])
}

/** The TOC's members and the other bytes, checked to be consistent; TooLarge past the bounds. */
function decodeToc(digest: string, toc: Uint8Array, before: number): { members: Member[]; literal: Buffer } {
  if (toc.length < 4) throw corrupt(digest, 'table of contents is cut short')
  const structLen = Buffer.from(toc.buffer, toc.byteOffset, 4).readUInt32BE(0)
  if (4 + structLen > toc.length) throw corrupt(digest, 'table of contents is cut short')
  const inflate = (b: Uint8Array, what: string) => {
    try {
      return inflateRawSync(b, { maxOutputLength: TOC_INFLATED_MAX })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TooLarge(what)
      throw corrupt(digest, `table of contents' ${what} does not inflate: ${(e as Error).message}`)
    }
  }
  const b = inflate(toc.subarray(4, 4 + structLen), 'structure')
  const literal = inflate(toc.subarray(4 + structLen), 'bytes')
  let n = 0
  const varint = () => {
    let v = 0
    for (let mul = 1; ; mul *= 0x80) {
      if (n >= b.length || mul > 2 ** 49) throw corrupt(digest, 'table of contents is cut short')
      const x = b[n++]
      v += (x & 0x7f) * mul
      if (x < 0x80) return v
    }
  }
  if (b.subarray(0, 4).toString('latin1') !== 'STOC' || b[4] !== 2) throw corrupt(digest, 'table of contents has an unknown format')
  n = 5
  const count = varint()
  if (count > b.length) throw corrupt(digest, 'table of contents lists more members than it has bytes')
  // Every member is a gzip member of at least 18 bytes before the TOC: more than fit there, or
  // than a sane layer has, and the blob is fetched whole (a small TOC inflating to millions of
  // members took the heap).
  if (count > before / 18 || count > MEMBERS_MAX) throw new TooLarge('members')
  let csizes = 0
  const members: Member[] = []
  let literalSize = 0
  for (let i = 0; i < count; i++) {
    const size = varint()
    const csize = varint()
    const np = varint()
    // Every member holds bytes and is a gzip member (18 bytes at least).
    if (size < 1 || size > SEGMENT_MAX || csize < 18 || csize > SEGMENT_MAX + 4096 || np < 1 || np > size || n + np * 2 > b.length) throw corrupt(digest, `member ${i} is out of bounds`)
    if ((csizes += csize) > before) throw corrupt(digest, `members up to ${i} take more than the ${before} bytes before the table of contents`)
    const pieces: Piece[] = []
    let sum = 0
    for (let k = 0; k < np; k++) {
      const kind = b[n++]
      const psize = varint()
      if (kind > 1 || psize < 1) throw corrupt(digest, `member ${i} has a piece out of bounds`)
      sum += psize
      if (kind === 1) {
        if (n + 32 > b.length) throw corrupt(digest, 'table of contents is cut short')
        pieces.push({ size: psize, chunk: b.subarray(n, n + 32).toString('hex') })
        n += 32
      } else {
        pieces.push({ size: psize })
        literalSize += psize
      }
    }
    if (sum !== size) throw corrupt(digest, `member ${i}'s pieces make ${sum} bytes, not its ${size}`)
    members.push({ size, csize, pieces })
  }
  if (n !== b.length) throw corrupt(digest, 'table of contents has bytes after its members')
  if (literalSize !== literal.length) throw corrupt(digest, `table of contents carries ${literal.length} other bytes, its members ${literalSize}`)
  return { members, literal }
}

/** An empty gzip member whose extra field carries `data` (subfield "ST"). */
function extraMember(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(10 + 2 + 4 + data.length + 2 + 8)
  out.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255]) // gzip, deflate, FEXTRA, no mtime, unknown OS
  const xlen = 4 + data.length
  out[10] = xlen & 0xff
  out[11] = xlen >> 8
  out.set([0x53, 0x54, data.length & 0xff, data.length >> 8], 12) // "ST", LEN
  out.set(data, 16)
  out.set([3, 0], 16 + data.length) // an empty final fixed-Huffman block; CRC-32 and ISIZE stay 0
  return out
}

/** The extra fields' TOC bytes from the TOC members, each checked to be exactly such a member. */
function readExtraMembers(digest: string, b: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = []
  for (let at = 0; at < b.length; ) {
    if (b.length - at < 16 || b[at] !== 0x1f || b[at + 1] !== 0x8b || b[at + 2] !== 8 || b[at + 3] !== 4) throw corrupt(digest, 'table of contents is not where its annotation says')
    const xlen = b[at + 10] | (b[at + 11] << 8)
    const len = b[at + 14] | (b[at + 15] << 8)
    if (b[at + 12] !== 0x53 || b[at + 13] !== 0x54 || len + 4 !== xlen || at + 16 + len + 10 > b.length) throw corrupt(digest, 'table of contents member is malformed')
    parts.push(b.subarray(at + 16, at + 16 + len))
    const tail = b.subarray(at + 16 + len, at + 16 + len + 10)
    if (tail[0] !== 3 || tail.subarray(1).some((x) => x !== 0)) throw corrupt(digest, 'table of contents member is not empty')
    at += 16 + len + 10
  }
  return Buffer.concat(parts)
}

/** The TOC's place from a layer descriptor's annotation, checked against the blob's size. */
export function tocPlace(d: { size: number; annotations?: Record<string, string> }): TocPlace | undefined {
  const v = d.annotations?.[TOC_ANNOTATION]
  const m = v === undefined ? null : /^(\d{1,15}):(\d{1,15})$/.exec(v)
  if (!m) return undefined
  const place = { offset: Number(m[1]), length: Number(m[2]) }
  return place.offset + place.length === d.size && place.length > 0 && place.length <= TOC_MAX ? place : undefined
}

export interface ChunkedPullDeps {
  client: RegistryClient
  repo: string
  /** Whether the store has this chunk (hex SHA-256). */
  has: (chunk: string) => Promise<boolean>
  /** The store's chunks, in order, verified. */
  local: (chunks: string[]) => AsyncIterable<Uint8Array>
  /** The whole blob, decompressed (a registry without Range support). */
  whole: () => AsyncIterable<Uint8Array>
  onProgress?: OnProgress
  /** Told the bytes this layer took from the registry, once done. */
  onFetched?: (bytes: number) => void
}

/** The layer's tar, rebuilt from the store's chunks, the TOC's other bytes and the members fetched for the chunks it lacks. */
export async function* chunkedLayer(deps: ChunkedPullDeps, d: { digest: string; size: number }, place: TocPlace): AsyncGenerator<Uint8Array> {
  const { client, repo } = deps
  const url = `${repo}/blobs/${d.digest}`
  const r = await client.fetch(url, { headers: { range: `bytes=${place.offset}-${place.offset + place.length - 1}` } })
  if (r.status === 200) {
    await r.body?.cancel()
    yield* deps.whole()
    return
  }
  if (r.status !== 206) throw await registryError(r, `blob ${d.digest}`)
  const tocBytes = await exactly(r, place.length, `the table of contents of ${d.digest}`)
  let toc: { members: Member[]; literal: Buffer }
  try {
    toc = decodeToc(d.digest, readExtraMembers(d.digest, tocBytes), place.offset)
  } catch (e) {
    if (!(e instanceof TooLarge)) throw e
    yield* deps.whole()
    return
  }
  const { members, literal } = toc
  // Where each member starts; together they are everything before the TOC.
  const starts: number[] = []
  let end = 0
  for (const m of members) {
    starts.push(end)
    end += m.csize
  }
  if (end !== place.offset) throw corrupt(d.digest, `its members end at ${end}, its table of contents starts at ${place.offset}`)
  // A member is fetched when it holds a chunk the store lacks.
  const chunks = [...new Set(members.flatMap((m) => m.pieces.filter((p) => p.chunk).map((p) => p.chunk!)))]
  const have = new Set<string>()
  for (let i = 0; i < chunks.length; i += 1024) {
    const part = chunks.slice(i, i + 1024)
    const found = await Promise.all(part.map((c) => deps.has(c)))
    found.forEach((f, k) => f && have.add(part[k]))
  }
  const needed = members.map((m) => m.pieces.some((p) => p.chunk && !have.has(p.chunk)))
  // The byte ranges to fetch: runs of needed members, neighbours merged.
  const ranges: { from: number; to: number; last: number }[] = []
  for (let i = 0; i < members.length; i++) {
    if (!needed[i]) continue
    const last = ranges.at(-1)
    const from = starts[i]
    const to = from + members[i].csize
    if (last && from - last.to <= GAP && to - last.from <= RANGE_MAX) {
      last.to = to
      last.last = i
    } else ranges.push({ from, to, last: i })
  }
  const total = place.length + ranges.reduce((n, x) => n + x.to - x.from, 0)
  let fetched = place.length
  const progress = { label: 'Downloading', id: d.digest.slice(7, 19), unit: 'bytes' as const }
  deps.onProgress?.({ ...progress, done: fetched, total })
  // A range whose connection breaks is asked again from the byte where it broke.
  const getRange = async (x: (typeof ranges)[number]): Promise<Uint8Array> => {
    const out = new Uint8Array(x.to - x.from)
    let at = 0
    for (let tries = 0; ; tries++) {
      try {
        const from = x.from + at
        const res = await client.fetch(url, { headers: { range: `bytes=${from}-${x.to - 1}` } })
        if (res.status !== 206) throw await registryError(res, `blob ${d.digest} (bytes ${from}-${x.to - 1})`)
        for await (const b of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (at + b.length > out.length) throw corrupt(d.digest, `more bytes than asked for`)
          out.set(b, at)
          at += b.length
          fetched += b.length
          deps.onProgress?.({ ...progress, done: fetched, total })
        }
        if (at === out.length) return out
      } catch (e) {
        // A registry's refusal or a wrong answer ends it; a connection that broke is asked again.
        if (e instanceof StoreError || tries >= RANGE_RETRIES) throw e
      }
      if (tries >= RANGE_RETRIES) throw new StoreError(Codes.REGISTRY_UNREACHABLE, `bytes ${x.from}-${x.to - 1} of ${d.digest}: the connection ended after ${at} bytes, ${RANGE_RETRIES} times`)
    }
  }
  const inFlight = new Map<number, Promise<Uint8Array>>()
  let nextRange = 0
  let ahead = 0
  const prefetch = () => {
    while (nextRange < ranges.length && inFlight.size < RANGES_AHEAD && (inFlight.size === 0 || ahead + ranges[nextRange].to - ranges[nextRange].from <= AHEAD_BYTES)) {
      const x = ranges[nextRange]
      const p = getRange(x)
      p.catch(() => {})
      ahead += x.to - x.from
      inFlight.set(nextRange++, p)
    }
  }
  prefetch()
  let current = -1
  let bytes: Uint8Array | undefined
  let lit = 0
  for (let i = 0; i < members.length; i++) {
    const m = members[i]
    let content: Uint8Array | undefined
    if (needed[i]) {
      while (current < 0 || ranges[current].last < i) {
        if (inFlight.delete(current)) ahead -= ranges[current].to - ranges[current].from
        current++
        prefetch()
        bytes = await inFlight.get(current)!
      }
      const at = starts[i] - ranges[current].from
      try {
        content = gunzipSync(bytes!.subarray(at, at + m.csize), { maxOutputLength: m.size + 1 })
      } catch (e) {
        throw corrupt(d.digest, `member ${i} does not decompress: ${(e as Error).message}`)
      }
      if (content.length !== m.size) throw corrupt(d.digest, `member ${i} has ${content.length} bytes, its table of contents says ${m.size}`)
    }
    const local = content ? undefined : deps.local(m.pieces.filter((p) => p.chunk).map((p) => p.chunk!))[Symbol.asyncIterator]()
    let at = 0
    for (const p of m.pieces) {
      let out: Uint8Array
      if (!p.chunk) {
        out = literal.subarray(lit, lit + p.size)
        lit += p.size
        if (content && Buffer.compare(out, content.subarray(at, at + p.size)) !== 0) throw corrupt(d.digest, `member ${i} differs from its table of contents`)
      } else if (content) {
        out = content.subarray(at, at + p.size)
        if (createHash('sha256').update(out).digest('hex') !== p.chunk) throw corrupt(d.digest, `chunk ${p.chunk} does not match its digest`)
      } else {
        out = (await local!.next()).value as Uint8Array
        if (out.length !== p.size) throw corrupt(d.digest, `chunk ${p.chunk} has ${out.length} bytes, its table of contents says ${p.size}`)
      }
      at += p.size
      yield out
    }
    await local?.return?.()
  }
  deps.onFetched?.(fetched)
}

/** A response's body, which must be exactly `n` bytes. */
async function exactly(r: Response, n: number, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(n)
  let at = 0
  for await (const b of r.body as unknown as AsyncIterable<Uint8Array>) {
    if (at + b.length > n) throw new StoreError(Codes.REGISTRY_ERROR, `${what}: more bytes than asked for`)
    out.set(b, at)
    at += b.length
  }
  if (at !== n) throw new StoreError(Codes.REGISTRY_UNREACHABLE, `${what}: the connection ended after ${at} of ${n} bytes`)
  return out
}
