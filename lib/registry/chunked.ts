// Chunk-aware layer blobs (what eStargz and zstd:chunked do for files, at the store's chunks).
// A layer store pushes is one gzip stream of independent members: one per chunk of the store
// (that chunk's bytes of the tar, alone), one per run of the tar's other bytes (headers, files
// small enough to live in the layer index, padding; about 1 MiB at most), and last its table of
// contents: empty gzip members whose extra field (RFC 1952 FEXTRA, subfield "ST") carries the
// TOC, deflated. Every gzip reader (Go's, zlib's, pigz) reads the blob as the layer's tar and
// skips the TOC, so the diffID, and the image ID, are what a plain gzip of the same tar gives;
// Docker and containerd pull and run it as any layer. The manifest's layer descriptor says where
// the TOC is (annotation `org.store.chunked.toc`: `offset:length`, the blob's last bytes).
//
// A pull that finds the annotation reads the TOC with one Range request, takes every chunk the
// store has from the store, fetches the members of the rest (neighbours within 64 KiB merged into
// one Range request, a few in flight), checks each fetched chunk against its digest, and rebuilds
// the tar in order; the config's diffID then checks the whole, as for any pull. A registry that
// does not answer Range requests gets the whole blob instead.
//
// TOC format (deflated): "STOC", version 1, count (varint), then per member: kind (0 other
// bytes, 1 a chunk), uncompressed size and compressed size (varints), and a chunk's SHA-256.

import { createHash } from 'node:crypto'
import { deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib'
import { Codes, StoreError } from '../errors.js'
import type { WorkerPools } from '../_workerPool.js'
import { gzipMember } from '../codec/_pool.js'
import type { TarPiece } from '../layer/index.js'
import type { OnProgress } from '../progress.js'
import { registryError, type RegistryClient } from './client.js'

export const TOC_ANNOTATION = 'org.store.chunked.toc'

/** One member of the blob: its bytes of the tar, compressed, and the chunk it holds if any. */
export interface Segment {
  size: number
  csize: number
  chunk?: string
}

/** Where the TOC is: the blob's last `length` bytes, from `offset`. */
export interface TocPlace {
  offset: number
  length: number
}

/** A run of other bytes becomes a member once it reaches this size. */
const LITERAL_MAX = 1 << 20
/** Members compressed ahead of the upload. */
const AHEAD = 8
/** TOC bytes per extra field (XLEN is 16 bits, 4 of them the subfield's header). */
const TOC_PIECE = 65000
/** Bounds on what a TOC from a registry may ask for. */
const TOC_MAX = 64 << 20
const TOC_INFLATED_MAX = 256 << 20
const SEGMENT_MAX = 8 << 20
/** Missing members closer than this are fetched in one request (the bytes between are cheaper than a round trip). */
const GAP = 64 << 10
/** One Range request asks for at most this much, and this many are in flight. */
const RANGE_MAX = 8 << 20
const RANGES_AHEAD = 4
const RANGE_RETRIES = 5

/** Docker's words for a layer that is not what its digest says, and which part of it. */
const corrupt = (digest: string, what: string) => new StoreError(Codes.REGISTRY_ERROR, `filesystem layer verification failed for digest ${digest}: ${what}`)

/** The layer's pieces as the chunk-aware gzip blob; `toc` is filled in once the blob is written. */
export async function* chunkedGzip(workers: WorkerPools, pieces: AsyncIterable<TarPiece>, toc: Partial<TocPlace>): AsyncGenerator<Uint8Array> {
  const segments: Segment[] = []
  const queue: { seg: Segment; out: Promise<Uint8Array> }[] = []
  let literal: Uint8Array[] = []
  let literalSize = 0
  let offset = 0
  const send = (data: Uint8Array, chunk?: string) => {
    const seg: Segment = { size: data.length, csize: 0, ...(chunk ? { chunk } : {}) }
    segments.push(seg)
    const out = gzipMember(workers, data)
    out.catch(() => {}) // its turn reports it
    queue.push({ seg, out })
  }
  const flush = () => {
    if (literalSize === 0) return
    send(Buffer.concat(literal, literalSize))
    literal = []
    literalSize = 0
  }
  async function* drain(keep: number) {
    while (queue.length > keep) {
      const q = queue.shift()!
      const out = await q.out
      q.seg.csize = out.length
      offset += out.length
      yield out
    }
  }
  for await (const p of pieces) {
    if (p.chunk) {
      flush()
      send(p.bytes, p.chunk)
    } else if (p.bytes.length > 0) {
      literal.push(p.bytes)
      literalSize += p.bytes.length
      if (literalSize >= LITERAL_MAX) flush()
    }
    yield* drain(AHEAD)
  }
  flush()
  yield* drain(0)
  const bytes = encodeToc(segments)
  toc.offset = offset
  toc.length = 0
  for (let at = 0; at < bytes.length; at += TOC_PIECE) {
    const m = extraMember(bytes.subarray(at, at + TOC_PIECE))
    toc.length += m.length
    yield m
  }
}

function encodeToc(segs: Segment[]): Uint8Array {
  const out = Buffer.alloc(16 + segs.length * 48)
  let n = out.write('STOC', 0, 'latin1')
  out[n++] = 1
  const varint = (v: number) => {
    while (v >= 0x80) {
      out[n++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    out[n++] = v
  }
  varint(segs.length)
  for (const s of segs) {
    out[n++] = s.chunk ? 1 : 0
    varint(s.size)
    varint(s.csize)
    if (s.chunk) n += out.write(s.chunk, n, 'hex')
  }
  return deflateRawSync(out.subarray(0, n))
}

function decodeToc(digest: string, deflated: Uint8Array): Segment[] {
  let b: Buffer
  try {
    b = inflateRawSync(deflated, { maxOutputLength: TOC_INFLATED_MAX })
  } catch (e) {
    throw corrupt(digest, `table of contents does not inflate: ${(e as Error).message}`)
  }
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
  if (b.subarray(0, 4).toString('latin1') !== 'STOC' || b[4] !== 1) throw corrupt(digest, 'table of contents has an unknown format')
  n = 5
  const count = varint()
  if (count > b.length) throw corrupt(digest, 'table of contents lists more members than it has bytes')
  const segs: Segment[] = []
  for (let i = 0; i < count; i++) {
    const kind = b[n++]
    const size = varint()
    const csize = varint()
    // Every member holds bytes (an empty run is never written) and is a gzip member (18 bytes at least).
    if (kind > 1 || size < 1 || size > SEGMENT_MAX || csize < 18 || csize > SEGMENT_MAX + 4096) throw corrupt(digest, `member ${i} is out of bounds`)
    if (kind === 1) {
      if (n + 32 > b.length) throw corrupt(digest, 'table of contents is cut short')
      segs.push({ size, csize, chunk: b.subarray(n, n + 32).toString('hex') })
      n += 32
    } else segs.push({ size, csize })
  }
  if (n !== b.length) throw corrupt(digest, 'table of contents has bytes after its members')
  return segs
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

/** The layer's tar, rebuilt from the store's chunks and the members fetched for the others. */
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
  const segs = decodeToc(d.digest, readExtraMembers(d.digest, tocBytes))
  // Where each member starts; together they are everything before the TOC.
  const starts: number[] = []
  let end = 0
  for (const s of segs) {
    starts.push(end)
    end += s.csize
  }
  if (end !== place.offset) throw corrupt(d.digest, `its members end at ${end}, its table of contents starts at ${place.offset}`)
  const local: boolean[] = new Array(segs.length).fill(false)
  for (let i = 0; i < segs.length; i += 1024) {
    const part = segs.slice(i, i + 1024)
    const found = await Promise.all(part.map((s) => (s.chunk ? deps.has(s.chunk) : false)))
    found.forEach((f, k) => (local[i + k] = f))
  }
  // The byte ranges to fetch: runs of missing members, neighbours merged.
  const ranges: { from: number; to: number; first: number; last: number }[] = []
  for (let i = 0; i < segs.length; i++) {
    if (local[i]) continue
    const last = ranges.at(-1)
    const from = starts[i]
    const to = from + segs[i].csize
    if (last && from - last.to <= GAP && to - last.from <= RANGE_MAX) {
      last.to = to
      last.last = i
    } else ranges.push({ from, to, first: i, last: i })
  }
  const total = place.length + ranges.reduce((n, x) => n + x.to - x.from, 0)
  let fetched = place.length
  const label = `Downloading ${d.digest.slice(7, 19)}`
  deps.onProgress?.({ label, done: fetched, total, unit: 'bytes' })
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
          deps.onProgress?.({ label, done: fetched, total, unit: 'bytes' })
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
  const prefetch = () => {
    while (nextRange < ranges.length && inFlight.size < RANGES_AHEAD) {
      const p = getRange(ranges[nextRange])
      p.catch(() => {})
      inFlight.set(nextRange++, p)
    }
  }
  prefetch()
  let current = -1
  let bytes: Uint8Array | undefined
  for (let i = 0; i < segs.length; ) {
    const s = segs[i]
    if (local[i]) {
      // A run of the store's own chunks, read together.
      const run: string[] = []
      for (; i < segs.length && local[i] && run.length < 256; i++) run.push(segs[i].chunk!)
      let k = 0
      for await (const c of deps.local(run)) {
        if (c.length !== segs[i - run.length + k].size) throw corrupt(d.digest, `chunk ${run[k]} has ${c.length} bytes, its table of contents says ${segs[i - run.length + k].size}`)
        k++
        yield c
      }
      continue
    }
    while (current < 0 || ranges[current].last < i) {
      inFlight.delete(current)
      current++
      prefetch()
      bytes = await inFlight.get(current)!
    }
    const at = starts[i] - ranges[current].from
    let out: Uint8Array
    try {
      out = gunzipSync(bytes!.subarray(at, at + s.csize), { maxOutputLength: s.size + 1 })
    } catch (e) {
      throw corrupt(d.digest, `member ${i} does not decompress: ${(e as Error).message}`)
    }
    if (out.length !== s.size) throw corrupt(d.digest, `member ${i} has ${out.length} bytes, its table of contents says ${s.size}`)
    if (s.chunk && createHash('sha256').update(out).digest('hex') !== s.chunk) throw corrupt(d.digest, `chunk ${s.chunk} does not match its digest`)
    i++
    yield out
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
