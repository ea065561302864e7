// Rebuild a layer's uncompressed tar from its index, byte for byte: header bytes, content
// chunks (each verified by the content store as it is read), padding, trailer.

import type { ContentStore } from '../cas/types.js'
import { digestFromHex, type Digest } from '../digest/digest.js'
import { decodeIndex, type LayerIndex } from './_format.js'
import { parseHeaderBytes } from '../tar/index.js'

export async function loadIndex(cas: ContentStore, index: Digest): Promise<LayerIndex> {
  return decodeIndex(await cas.get(index), index)
}

const ZEROS = new Uint8Array(512)

/** The layer's tar as a stream. Chunks are read one ahead so disk reads overlap the consumer. */
export async function* layerTar(cas: ContentStore, ix: LayerIndex): AsyncGenerator<Uint8Array> {
  for (const e of ix.entries) {
    yield e.h
    if (!e.c) continue
    let size = 0
    let next: Promise<Uint8Array> | undefined = e.c.length > 0 ? cas.get(digestFromHex(e.c[0][0])) : undefined
    for (let i = 0; i < e.c.length; i++) {
      const cur = await next!
      next = i + 1 < e.c.length ? cas.get(digestFromHex(e.c[i + 1][0])) : undefined
      size += cur.length
      yield cur
    }
    const rem = size % 512
    if (e.p) yield e.p
    else if (rem !== 0) yield ZEROS.subarray(0, 512 - rem)
  }
  if (ix.trailer.length > 0) yield ix.trailer
}

/** Headers of every entry, parsed (for diff, history, apply planning). */
export function indexHeaders(ix: LayerIndex) {
  return ix.entries.map((e) => parseHeaderBytes(e.h))
}
