// The layer index: what a layer is, apart from its file contents. Pure (no node: imports).
//
// A layer is the exact bytes of its tar, cut into three kinds of pieces:
//   - each entry's header blocks (PAX/GNU extension blocks + ustar header), kept verbatim;
//   - each regular file's content, split by the chunker into blobs in the content store;
//   - each entry's padding (kept only when not all zero) and the archive's trailer.
// Concatenating them in order gives the original tar byte for byte, so the diffID survives
// every round trip, while identical content is stored once whatever its name, mtime or owner.

import { Codes, StoreError } from '../errors.js'
import type { Digest } from '../digest/digest.js'

export const INDEX_MEDIA_TYPE = 'application/vnd.store.layer.index.v1+json'

/** A content chunk: hex digest of its bytes and its length. */
export type ChunkRef = [hex: string, size: number]

export interface IndexEntry {
  /** Exact header bytes (base64 in JSON). */
  h: Uint8Array
  /** Content chunks, in order (regular files with content only). */
  c?: ChunkRef[]
  /** Padding bytes when any is non-zero (rare); absent means zeros. */
  p?: Uint8Array
}

export interface LayerIndex {
  diffId: Digest
  /** Bytes of the uncompressed tar. */
  size: number
  entries: IndexEntry[]
  trailer: Uint8Array
}

export function encodeIndex(ix: LayerIndex): Uint8Array {
  const entries = ix.entries.map((e) => {
    const o: Record<string, unknown> = { h: toBase64(e.h) }
    if (e.c && e.c.length > 0) o.c = e.c
    if (e.p) o.p = toBase64(e.p)
    return o
  })
  const json = JSON.stringify({
    mediaType: INDEX_MEDIA_TYPE,
    diffId: ix.diffId,
    size: ix.size,
    trailer: toBase64(ix.trailer),
    entries,
  })
  return new TextEncoder().encode(json)
}

export function decodeIndex(bytes: Uint8Array, what: string): LayerIndex {
  let raw: any
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes))
  } catch (e) {
    throw new StoreError(Codes.LAYER_CORRUPT, `layer index ${what} is not valid JSON`, { cause: e })
  }
  if (raw?.mediaType !== INDEX_MEDIA_TYPE || !Array.isArray(raw.entries)) {
    throw new StoreError(Codes.LAYER_CORRUPT, `layer index ${what} has an unknown format`)
  }
  return {
    diffId: raw.diffId,
    size: raw.size,
    trailer: fromBase64(raw.trailer ?? ''),
    entries: raw.entries.map((e: any) => ({
      h: fromBase64(e.h),
      c: e.c,
      p: e.p === undefined ? undefined : fromBase64(e.p),
    })),
  }
}

/** Every chunk digest an index refers to (for gc and df). */
export function indexChunks(ix: LayerIndex): ChunkRef[] {
  const out: ChunkRef[] = []
  for (const e of ix.entries) if (e.c) for (const c of e.c) out.push(c)
  return out
}

// atob/btoa exist in Node, Deno and browsers; headers are small, so this is not a hot path.
// Node's Buffer where there is one: native, where btoa over a binary string cost ~75 ms for
// the index of a 3,000-file layer. The portable path stays for other runtimes.
const NodeBuffer = (globalThis as { Buffer?: { from(a: ArrayBufferLike | string, o?: number | string, l?: number): Uint8Array & { toString(enc: string): string } } }).Buffer

export function toBase64(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
  let s = ''
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000))
  return btoa(s)
}

export function fromBase64(s: string): Uint8Array {
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(s, 'base64')) // a copy: not a view of Buffer's shared pool
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
