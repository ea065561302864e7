// The records of a layer index, and their binary form inside a segment. Pure (no node: imports).
//
// A layer index is one sequence of records, in archive order:
//   header   the exact header blocks of the next entry (PAX/GNU extensions included)
//   chunks   content chunks (digest, length) of the current entry, or of the trailer
//   data     the current entry's content itself, for a file of at most INLINE_MAX bytes: a
//            chunk of its own would cost more than its bytes (see below)
//   padding  the current entry's padding, when any of it is not zero (absent: zeros)
//   trailer  the entries are over; what follows is the archive's trailer
//   zeros    n zero bytes (the trailer's end-of-archive blocks and record padding: a length)
//   bytes    literal bytes (the trailer of a layer from an index of the first format)
// One entry is a header record then its chunks and padding, so a file of any size is a run of
// chunk records and never one unbounded value; segments cut this sequence anywhere between
// records (segment.ts), and a reader carries the current entry across a cut.
//
// Binary form (a segment): "LXS1", then records, each a tag byte and its fields; lengths and
// counts are unsigned LEB128 varints; a chunk is its 32-byte SHA-256 and a varint length.
// Why binary and not the first format's JSON: header bytes go in as they are (no base64, no
// JSON string: 1M entries of JSON was one string over V8's limit) and digests as 32 bytes, not
// 64 hex characters; measured in bench/indexFormat.bench.ts (README, Performance).
//
// Why small files are kept in the index: as a chunk, a file costs a 34-byte reference here (a
// digest: it does not compress), a 9-byte blob header and an entry in the store's blob index
// (~40 bytes), plus a put, a blob for gc, fsck and df to visit, and a read to rebuild it. Up to
// INLINE_MAX bytes it costs less inline, even stored twice, and it is compressed with its
// neighbours; a folder of 300,000 files of 20–60 bytes became 300,000 chunks before (issue 12).

import { Codes, StoreError } from '../errors.js'
import { bytesHex, hexInto } from '../digest/bytes.js'

/** A content chunk: hex digest of its bytes and its length. */
export type ChunkRef = [hex: string, size: number]

export type IndexRecord =
  | { type: 'header'; bytes: Uint8Array }
  | { type: 'chunks'; refs: ChunkRef[] }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'padding'; bytes: Uint8Array }
  | { type: 'trailer' }
  | { type: 'zeros'; n: number }
  | { type: 'bytes'; bytes: Uint8Array }

export const SEGMENT_MAGIC = new Uint8Array([0x4c, 0x58, 0x53, 0x31]) // "LXS1"
const TAG = { header: 1, chunks: 2, padding: 3, trailer: 4, zeros: 5, bytes: 6, data: 7 } as const

/** Content of at most this many bytes is kept in the index (a 'data' record), not chunked. */
export const INLINE_MAX = 128

/** Bytes a record takes in a segment. */
export function recordSize(r: IndexRecord): number {
  switch (r.type) {
    case 'chunks': {
      let n = 1 + varintSize(r.refs.length) + 32 * r.refs.length
      for (const [, size] of r.refs) n += varintSize(size)
      return n
    }
    case 'header':
    case 'data':
    case 'padding':
    case 'bytes':
      return 1 + varintSize(r.bytes.length) + r.bytes.length
    case 'zeros':
      return 1 + varintSize(r.n)
    case 'trailer':
      return 1
  }
}

const varintSize = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : Math.ceil(Math.log2(v + 1) / 7))

/** Writes `r` at `at` of `out` (which has recordSize(r) bytes free there); returns the new end. */
export function writeRecord(out: Uint8Array, at: number, r: IndexRecord): number {
  out[at++] = TAG[r.type]
  switch (r.type) {
    case 'header':
    case 'data':
    case 'padding':
    case 'bytes':
      at = writeVarint(out, at, r.bytes.length)
      out.set(r.bytes, at)
      return at + r.bytes.length
    case 'chunks':
      at = writeVarint(out, at, r.refs.length)
      for (const [hex, size] of r.refs) {
        hexInto(hex, out, at)
        at = writeVarint(out, at + 32, size)
      }
      return at
    case 'zeros':
      return writeVarint(out, at, r.n)
    case 'trailer':
      return at
  }
}

/** The records of one segment, in order. LAYER_CORRUPT (naming `what`) if it is not one. */
export function* readRecords(seg: Uint8Array, what: string): Generator<IndexRecord> {
  const bad = (why: string) => new StoreError(Codes.LAYER_CORRUPT, `layer index segment ${what} is corrupt: ${why}`, { data: { segment: what } })
  for (let i = 0; i < SEGMENT_MAGIC.length; i++) if (seg[i] !== SEGMENT_MAGIC[i]) throw bad('it does not start with "LXS1"')
  let at = SEGMENT_MAGIC.length
  const varint = (): number => {
    let v = 0
    for (let mul = 1; ; mul *= 128) {
      if (at >= seg.length || mul > 2 ** 49) throw bad(`a length is cut short at byte ${at}`)
      const b = seg[at++]
      v += (b & 0x7f) * mul
      if (b < 0x80) return v
    }
  }
  const bytes = (): Uint8Array => {
    const n = varint()
    if (at + n > seg.length) throw bad(`a record runs past its end at byte ${at}`)
    return seg.subarray(at, (at += n))
  }
  while (at < seg.length) {
    const tag = seg[at++]
    if (tag === TAG.header) yield { type: 'header', bytes: bytes() }
    else if (tag === TAG.data) yield { type: 'data', bytes: bytes() }
    else if (tag === TAG.padding) yield { type: 'padding', bytes: bytes() }
    else if (tag === TAG.bytes) yield { type: 'bytes', bytes: bytes() }
    else if (tag === TAG.zeros) yield { type: 'zeros', n: varint() }
    else if (tag === TAG.trailer) yield { type: 'trailer' }
    else if (tag === TAG.chunks) {
      const n = varint()
      const refs: ChunkRef[] = new Array(n)
      for (let i = 0; i < n; i++) {
        if (at + 32 > seg.length) throw bad(`a chunk digest runs past its end at byte ${at}`)
        const hex = bytesHex(seg.subarray(at, (at += 32)))
        refs[i] = [hex, varint()]
      }
      yield { type: 'chunks', refs }
    } else throw bad(`unknown record ${tag} at byte ${at - 1}`)
  }
}

function writeVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  out[at++] = v
  return at
}
