// Rebuild a layer's uncompressed tar from its index, byte for byte, one segment at a time:
// header bytes, content (kept inline, or chunks, each verified by the content store as it is read, the next one
// read ahead so disk reads overlap the consumer), padding, trailer (zeros by length).

import type { ContentStore } from '../cas/types.js'
import { digestFromHex } from '../digest/digest.js'
import type { ChunkRef, LayerIndex } from './_format.js'
import { indexRecords } from './indexReader.js'

const ZEROS = new Uint8Array(1 << 20)

/** The layer's tar as a stream. */
export async function* layerTar(cas: ContentStore, ix: LayerIndex): AsyncGenerator<Uint8Array> {
  let size = 0 // content bytes of the current entry
  let padded = true
  const pad = (): Uint8Array | undefined => {
    const rem = size % 512
    const p = padded || rem === 0 ? undefined : ZEROS.subarray(0, 512 - rem)
    padded = true
    return p
  }
  for await (const r of indexRecords(cas, ix)) {
    switch (r.type) {
      case 'header':
      case 'trailer': {
        const p = pad()
        if (p) yield p
        if (r.type === 'header') yield r.bytes
        size = 0
        padded = r.type === 'trailer'
        break
      }
      case 'chunks':
        for await (const c of chunkContents(cas, r.refs)) {
          size += c.length
          yield c
        }
        break
      case 'data':
        size += r.bytes.length
        yield r.bytes
        break
      case 'padding':
        padded = true
        yield r.bytes
        break
      case 'zeros':
        for (let left = r.n; left > 0; left -= ZEROS.length) yield left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left)
        break
      case 'bytes':
        yield r.bytes
        break
    }
  }
}

/** The contents of `refs`, the next one read while the current one is consumed. */
export async function* chunkContents(cas: ContentStore, refs: ChunkRef[]): AsyncGenerator<Uint8Array> {
  const get = (i: number) => (i < refs.length ? cas.get(digestFromHex(refs[i][0])) : undefined)
  let next = get(0)
  try {
    for (let i = 0; i < refs.length; i++) {
      const cur = await next!
      next = get(i + 1)
      yield cur
    }
  } finally {
    next?.catch(() => {}) // abandoned read-ahead: its error is nobody's
  }
}
