// zstd with a base chunk as a raw prefix, stored so that ANY plain zstd decoder reads it.
//
// Writing (native only: node:zlib's `dictionary` option; the WebAssembly zstd has none):
// compress the chunk with the base as a raw-content dictionary and keep only the frame's
// blocks. Reading (native and portable alike): build one frame whose content is base ‖ chunk:
// a header declaring both lengths, the base as raw blocks, then the kept blocks; decode it
// with plain zstd and keep the tail. Why this is the same stream: with a raw-content
// dictionary, zstd places the dictionary right before the frame's content, starts with the
// repeat offsets {1, 4, 8} and no entropy tables, and expresses matches as distances back into
// it — exactly the state after raw blocks of the same bytes in one single-segment frame
// (window = whole content). The encoder checks that claim on every delta it writes (it
// decodes the built frame and compares), so a zstd that ever disagreed would only cost
// compression. The check is a third of a delta's encode time (dictionary compression alone:
// 170 MB/s, checked: 100–130 MB/s, on 64 KiB chunks of prettier), kept: a wrong delta is lost data.
// Why not a format of our own (COPY/INSERT ops + zstd, bench/_copyInsert.ts): on the same 984
// (chunk, base) pairs it stored 21 % more and encoded 1.3x slower (bench/delta); it would
// only add writing from WebAssembly, which reading does not need.

/** What encode() needs of node:zlib (injected: this module imports nothing from node:). */
export interface NodeZstd {
  zstdCompressSync(data: Uint8Array, opts: { dictionary: Uint8Array; params: Record<number, number> }): Uint8Array
  zstdDecompressSync(data: Uint8Array, opts: { maxOutputLength: number }): Uint8Array
  constants: { ZSTD_c_compressionLevel: number }
  /** A buffer of at least `n` bytes to build the checked frame in (one of its own when absent). */
  scratch?(n: number): Uint8Array
}

export function zstdPrefix() {
  const MAGIC = 0xfd2fb528
  /** A zstd dictionary's magic: a base starting so would be parsed as a dictionary, not as bytes. */
  const DICT_MAGIC = 0xec30a437
  const RAW_BLOCK = 128 * 1024
  const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0

  /** The blocks of exactly one frame without a dictionary ID (header and checksum dropped), else null. */
  function blocksOf(frame: Uint8Array): Uint8Array | null {
    if (frame.length < 6 || u32(frame, 0) !== MAGIC) return null
    const fhd = frame[4]
    if ((fhd & 3) !== 0 || (fhd & 8) !== 0) return null // a dictionary ID, or the reserved bit
    const single = (fhd >> 5) & 1
    const start = 5 + (single ? 0 : 1) + [single ? 1 : 0, 2, 4, 8][fhd >> 6]
    let p = start
    for (;;) {
      if (p + 3 > frame.length) return null
      const h = frame[p] | (frame[p + 1] << 8) | (frame[p + 2] << 16)
      const type = (h >> 1) & 3
      if (type === 3) return null
      p += 3 + (type === 1 ? 1 : h >>> 3) // an RLE block stores one byte
      if (h & 1) break
    }
    if (p + ((fhd & 4) !== 0 ? 4 : 0) !== frame.length) return null
    return frame.subarray(start, p)
  }

  /**
   * One frame of base ‖ chunk: `base` as raw blocks, then `blocks` (which decode to `size`
   * bytes); built in `into` when that is large enough.
   */
  function frameWith(base: Uint8Array, blocks: Uint8Array, size: number, into?: (n: number) => Uint8Array): Uint8Array {
    const raws = Math.ceil(base.length / RAW_BLOCK)
    const n = 13 + 3 * raws + base.length + blocks.length
    const out = into ? into(n).subarray(0, n) : new Uint8Array(n)
    const total = base.length + size
    const v = new DataView(out.buffer, out.byteOffset, out.byteLength)
    v.setUint32(0, MAGIC, true)
    out[4] = 0xe0 // single segment (window = content), 8-byte content size, no checksum
    v.setUint32(5, total >>> 0, true)
    v.setUint32(9, Math.floor(total / 0x1_0000_0000), true)
    let p = 13
    for (let o = 0; o < base.length; o += RAW_BLOCK) {
      const n = Math.min(RAW_BLOCK, base.length - o)
      const h = n << 3 // raw block, not the last
      out[p] = h & 0xff
      out[p + 1] = (h >> 8) & 0xff
      out[p + 2] = (h >> 16) & 0xff
      out.set(base.subarray(o, o + n), p + 3)
      p += 3 + n
    }
    out.set(blocks, p)
    return out
  }

  /** Whether this base can serve as a raw prefix (null from encode() otherwise). */
  function usableBase(base: Uint8Array): boolean {
    return base.length >= 8 && u32(base, 0) !== DICT_MAGIC
  }

  /** The blocks of `data` against `base`, checked by decoding them as a reader will; null if unusable. */
  function encode(zlib: NodeZstd, data: Uint8Array, base: Uint8Array, level: number): Uint8Array | null {
    if (!usableBase(base) || data.length === 0) return null
    const frame = zlib.zstdCompressSync(data, { dictionary: base, params: { [zlib.constants.ZSTD_c_compressionLevel]: level } })
    const blocks = blocksOf(frame)
    if (!blocks) return null
    const total = base.length + data.length
    const out = zlib.zstdDecompressSync(frameWith(base, blocks, data.length, zlib.scratch), { maxOutputLength: total + 1 })
    if (out.length !== total) return null
    const tail = out.subarray(base.length) as Uint8Array & { equals?(o: Uint8Array): boolean }
    if (tail.equals) return tail.equals(data) ? blocks : null
    for (let i = 0; i < data.length; i++) if (tail[i] !== data[i]) return null
    return blocks
  }

  return { blocksOf, frameWith, usableBase, encode }
}

