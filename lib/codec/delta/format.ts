// The stored form of a delta: the codec's 9-byte header with encoding 4 ('delta') and the
// chunk's own length (so `stat` and `df` read sizes as for any blob), then
//
//   [0]       format: 1 = zstd blocks against the base as a raw prefix (_zstdFrame.ts)
//   [1]       depth: 1 + the base's depth, 1..MAX_DEPTH
//   [2, 34)   the base's digest (32 bytes)
//   [34, 38)  the base's length, u32 LE (checked against the base a reader fetches)
//   [38, …)   the zstd blocks
//
// Any reader that gets the blob finds its base by digest; gc and fsck read the first 47 bytes
// to learn a blob's base without decoding it (deltaRef). Pure.

import { Codes, StoreError } from '../../errors.js'
import { encodeHeader, readHeader } from '../header.js'
import { HEADER_SIZE } from '../types.js'
import { bytesHex, hexInto } from '../../digest/bytes.js'
import type { Digest } from '../../digest/digest.js'
import { MAX_DELTA_SIZE, MAX_DEPTH, type DeltaBase } from './types.js'

export const FORMAT_ZSTD_PREFIX = 1
/** Bytes of a delta's payload before its blocks. */
export const DELTA_PREFIX = 38
/** Header and prefix: what a reader needs to find the base. */
export const DELTA_HEAD = HEADER_SIZE + DELTA_PREFIX

export interface DeltaRef {
  base: Digest
  depth: number
  baseSize: number
}

export interface ParsedDelta extends DeltaRef {
  /** The chunk's length (the header's). */
  size: number
  blocks: Uint8Array
}

/** Header and prefix of a delta blob; the blocks follow (written apart: no copy of them). */
export function encodeDeltaHead(size: number, ref: DeltaRef): Uint8Array {
  const { base, depth, baseSize } = ref
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) throw new RangeError(`delta depth out of range: ${depth}`)
  if (!Number.isInteger(baseSize) || baseSize < 0 || baseSize > 0xffffffff) throw new RangeError(`delta base size out of range: ${baseSize}`)
  const out = new Uint8Array(DELTA_HEAD)
  encodeHeader('delta', size, out)
  out[HEADER_SIZE] = FORMAT_ZSTD_PREFIX
  out[HEADER_SIZE + 1] = depth
  hexInto(base.slice(7), out, HEADER_SIZE + 2)
  new DataView(out.buffer).setUint32(HEADER_SIZE + 34, baseSize, true)
  return out
}

/** The base of a stored blob that is a delta (from its first DELTA_HEAD bytes), else undefined. */
/**
 * The head (header and prefix) of a chunk of `size` bytes stored as a delta against `base`, or
 * undefined when it may not be one: larger than MAX_DELTA_SIZE, or a base at the depth bound.
 */
export function deltaHeadAgainst(size: number, base: DeltaBase): Uint8Array | undefined {
  if (size > MAX_DELTA_SIZE || base.depth >= MAX_DEPTH) return undefined
  return encodeDeltaHead(size, { base: base.digest, depth: base.depth + 1, baseSize: base.content.length })
}

export function deltaRef(stored: Uint8Array): DeltaRef | undefined {
  if (readHeader(stored).encoding !== 'delta') return undefined
  if (stored.length < DELTA_HEAD) throw corrupt(`a delta blob of ${stored.length} bytes is shorter than its ${DELTA_HEAD}-byte head`)
  const format = stored[HEADER_SIZE]
  if (format !== FORMAT_ZSTD_PREFIX) throw corrupt(`unknown delta format ${format}`)
  const depth = stored[HEADER_SIZE + 1]
  const base = `sha256:${bytesHex(stored.subarray(HEADER_SIZE + 2, HEADER_SIZE + 34))}` as Digest
  if (depth < 1) throw corrupt(`delta against ${base} has depth 0`)
  if (depth > MAX_DEPTH) {
    throw corrupt(`delta against ${base} has depth ${depth}, deeper than the bound of ${MAX_DEPTH}`, { base, depth })
  }
  const baseSize = new DataView(stored.buffer, stored.byteOffset, stored.byteLength).getUint32(HEADER_SIZE + 34, true)
  return { base, depth, baseSize }
}

export function parseDelta(stored: Uint8Array): ParsedDelta {
  const ref = deltaRef(stored)
  if (!ref) throw new RangeError('not a delta blob')
  return { ...ref, size: readHeader(stored).size, blocks: stored.subarray(DELTA_HEAD) }
}

/** Depth of a stored blob: 0 unless it is a delta. */
export function storedDepth(stored: Uint8Array): number {
  return deltaRef(stored)?.depth ?? 0
}

/** BLOB_CORRUPT without the blob's digest: the content store's read names it (readBlob.ts). */
export function corrupt(why: string, data: Record<string, unknown> = {}): StoreError {
  return new StoreError(Codes.BLOB_CORRUPT, why, { data })
}
