// The pack file and its index, as bytes. Pure: no I/O, no node: imports (it runs anywhere).
//
// Pack (packs/<name>.pack): small blobs one after another, each exactly as it would be stored
// loose, so any stored blob (9-byte header + payload, of any encoding, including ones added
// later such as deltas) can live in a pack unchanged:
//   header   8 bytes: "STPK", u32 LE version (1)
//   entries  each: digest (32 bytes: the blob's name), u32 LE length L, then the L stored bytes
// The digest in each entry makes a pack self-describing: fsck checks its index against it, and
// an index could be rebuilt from the pack alone, without decoding anything.
//
// Index (packs/<name>.idx), as git's .idx (v2) without its CRCs:
//   header   12 bytes: "STIX", u32 LE version (1), u32 LE count N
//   fanout   256 × u32 LE: fanout[b] = entries whose digest starts with a byte ≤ b
//   digests  N × 32 bytes, ascending
//   offsets  N × u32 LE: where each entry starts in the pack (at its digest)
//   lengths  N × u32 LE: each entry's L; the top bit (DELTA_FLAG) set when the entry is a delta
//            (stored encoding 4, lib/codec/delta): gc finds the deltas whose bases it must keep
//            from the indexes alone, reading only those entries' heads
//   checksum 32 bytes: SHA-256 of every byte before it; its hex is the pack's <name>
// 40 bytes per blob, searched in place once loaded. Offsets are u32: a pack is sealed at
// PACK_TARGET (32 MiB) and an entry is at most PACK_ENTRY_MAX, far below 4 GiB.

export const PACK_MAGIC = [0x53, 0x54, 0x50, 0x4b] // "STPK"
export const INDEX_MAGIC = [0x53, 0x54, 0x49, 0x58] // "STIX"
export const PACK_VERSION = 1
export const PACK_HEADER_SIZE = 8
/** Before each entry's stored bytes: its digest and length. */
export const ENTRY_HEAD_SIZE = 36
export const INDEX_HEADER_SIZE = 12
export const FANOUT_SIZE = 256 * 4
/** Index bytes per entry: digest, offset, length. */
export const INDEX_ENTRY_SIZE = 40
export const CHECKSUM_SIZE = 32

/**
 * Blobs stored in at most this many bytes go into packs; larger ones stay loose. At 1 MiB a
 * loose file's last partly used 4 KiB block wastes at most 0.4 % and its inode is one per MiB,
 * so packing gains nothing there, while repacking (gc) copies less and a large blob keeps its
 * streamed read. Every chunk (FastCDC's maximum is 256 KiB) and index segment (≤ 1 MiB before
 * compression) is under it.
 */
export const PACK_ENTRY_MAX = 1 << 20

/**
 * A pack is sealed once it holds this many bytes. restic's default is 16 MiB, borg's segments
 * 500 MiB: 32 MiB keeps a 10 GB store at ~300 packs (600 files) while a repack of a half-dead
 * pack copies at most 16 MiB.
 */
export const PACK_TARGET = 32 << 20

/** Set in an index's length of an entry stored as a delta (entries are far below 2^31 bytes). */
export const DELTA_FLAG = 0x8000_0000

/** Encoding byte of a delta blob (lib/codec/header.ts). */
const DELTA_ENCODING_BYTE = 4

/** Whether stored bytes starting with `first` (the encoding byte) are a delta. */
export const isDeltaByte = (first: number): boolean => first === DELTA_ENCODING_BYTE

/** An index length for stored bytes that start with `first`. */
export const indexLength = (length: number, first: number): number => (isDeltaByte(first) ? (length | DELTA_FLAG) >>> 0 : length)

/** Bytes of the index of a pack of `n` entries. */
export function indexSize(n: number): number {
  return INDEX_HEADER_SIZE + FANOUT_SIZE + n * INDEX_ENTRY_SIZE + CHECKSUM_SIZE
}

export function packHeader(): Uint8Array {
  const out = new Uint8Array(PACK_HEADER_SIZE)
  out.set(PACK_MAGIC)
  new DataView(out.buffer).setUint32(4, PACK_VERSION, true)
  return out
}

/** The 36 bytes before an entry's stored bytes. */
export function entryHead(digest: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(ENTRY_HEAD_SIZE)
  out.set(digest.subarray(0, 32))
  new DataView(out.buffer).setUint32(32, length, true)
  return out
}

/** Digest and length of the entry whose head is at `at` of `bytes`. */
export function readEntryHead(bytes: Uint8Array, at = 0): { digest: Uint8Array; length: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, ENTRY_HEAD_SIZE)
  return { digest: bytes.subarray(at, at + 32), length: v.getUint32(32, true) }
}

/** Whether `bytes` starts with a pack header this code reads. */
export function isPackHeader(bytes: Uint8Array): boolean {
  if (bytes.length < PACK_HEADER_SIZE || PACK_MAGIC.some((b, i) => bytes[i] !== b)) return false
  return new DataView(bytes.buffer, bytes.byteOffset, PACK_HEADER_SIZE).getUint32(4, true) === PACK_VERSION
}

/** Entries of a pack being written, column by column (40 bytes each, not an object each). */
export interface IndexEntries {
  count: number
  /** count × 32 bytes, in write order. */
  digests: Uint8Array
  offsets: Uint32Array
  lengths: Uint32Array
}

/** SHA-256 of bytes, as 32 bytes: the hash backend's, passed in (this file stays pure). */
export type Sha256 = (data: Uint8Array) => Uint8Array

/** The index of a pack holding `e`; its name is the hex of its last 32 bytes. */
export function encodeIndex(e: IndexEntries, sha256: Sha256): Uint8Array {
  const n = e.count
  const order = sortedOrder(e.digests, n)
  const size = indexSize(n)
  const out = new Uint8Array(size)
  const v = new DataView(out.buffer)
  out.set(INDEX_MAGIC)
  v.setUint32(4, PACK_VERSION, true)
  v.setUint32(8, n, true)
  const fan = INDEX_HEADER_SIZE
  const digests = fan + FANOUT_SIZE
  const offsets = digests + n * 32
  const lengths = offsets + n * 4
  const perByte = new Uint32Array(256)
  for (let k = 0; k < n; k++) {
    const i = order[k]
    out.set(e.digests.subarray(i * 32, i * 32 + 32), digests + k * 32)
    v.setUint32(offsets + k * 4, e.offsets[i], true)
    v.setUint32(lengths + k * 4, e.lengths[i], true)
    perByte[e.digests[i * 32]]++
  }
  for (let b = 0, sum = 0; b < 256; b++) v.setUint32(fan + b * 4, (sum += perByte[b]), true)
  out.set(sha256(out.subarray(0, size - CHECKSUM_SIZE)), size - CHECKSUM_SIZE)
  return out
}

/** Entry numbers in ascending digest order: by the first 4 bytes as a number, then the rest. */
function sortedOrder(digests: Uint8Array, n: number): Uint32Array {
  const keys = new Uint32Array(n)
  const v = new DataView(digests.buffer, digests.byteOffset, n * 32)
  for (let i = 0; i < n; i++) keys[i] = v.getUint32(i * 32, false)
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  return order.sort((a, b) => (keys[a] !== keys[b] ? (keys[a] < keys[b] ? -1 : 1) : compareDigests(digests, a * 32, digests, b * 32)))
}

/** Byte order of two 32-byte digests inside larger arrays. */
export function compareDigests(a: Uint8Array, at: number, b: Uint8Array, bt: number): number {
  for (let k = 0; k < 32; k++) {
    const d = a[at + k] - b[bt + k]
    if (d !== 0) return d
  }
  return 0
}
