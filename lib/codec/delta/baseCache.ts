// Decoded chunks kept for the deltas read after them: a reader of a version series meets the
// same bases again and again (release n's chunk is the base of release n+1's), so a chain is
// rebuilt once, not once per version. Least recently used first out, bounded by bytes.
// Contents go in verified (decode.ts caches only what it checked; the content store adds a
// delta's own content after its digest check), so a hit is used as it is.

import type { Digest } from '../../digest/digest.js'

export interface BaseCache {
  get(d: Digest): Uint8Array | undefined
  set(d: Digest, content: Uint8Array): void
}

/** An LRU of at most `maxBytes` of content (16 MiB: 256 default-size chunks). */
export function createBaseCache(maxBytes = 16 << 20): BaseCache {
  const map = new Map<Digest, Uint8Array>()
  let bytes = 0
  return {
    get(d) {
      const c = map.get(d)
      if (c) {
        map.delete(d) // to the back: most recently used
        map.set(d, c)
      }
      return c
    },
    set(d, content) {
      if (content.length > maxBytes || map.has(d)) return
      map.set(d, content)
      bytes += content.length
      for (const [k, v] of map) {
        if (bytes <= maxBytes) break
        map.delete(k)
        bytes -= v.length
      }
    },
  }
}
