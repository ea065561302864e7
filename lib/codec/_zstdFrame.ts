// The content size a zstd frame declares in its header (RFC 8878, 3.1.1.1): read without
// decoding (and without allocating: it runs once per blob of a pack). Pure.

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0

/** The content size a zstd frame declares, or undefined when it does not say. */
export function frameContentSize(b: Uint8Array): number | undefined {
  if (b.length < 6 || u32(b, 0) !== 0xfd2fb528) return undefined
  const fhd = b[4]
  const fcsFlag = fhd >> 6
  const single = (fhd >> 5) & 1
  const dictFlag = fhd & 3
  const pos = 5 + (single ? 0 : 1) + [0, 1, 2, 4][dictFlag]
  const len = [single ? 1 : 0, 2, 4, 8][fcsFlag]
  if (len === 0 || b.length < pos + len) return undefined
  if (len === 1) return b[pos]
  if (len === 2) return (b[pos] | (b[pos + 1] << 8)) + 256
  if (len === 4) return u32(b, pos)
  return u32(b, pos) + u32(b, pos + 4) * 0x1_0000_0000
}
