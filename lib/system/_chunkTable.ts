// df's chunk accounting: every distinct piece of the store's layers once (a number each), each
// layer as an array of those numbers, so an image's distinct chunks are counted by marking
// numbers, not by copying maps of 64-character keys (300,000 chunks: three such maps were
// ~150 MB). Stored sizes come from the content store's indexes (no blob is read).
//
// A piece is what a layer's content is stored in: a content chunk, or an index segment, which
// stands for the small files kept inside it (at most 128 bytes each, stored in the segment, not
// as chunks). A layer lists the pieces of its entries with repeats (a chunk it uses at two paths
// is there twice, a segment with its small files' bytes), so its pieces add up to its content
// bytes; its trailer's chunks (no file's content) are listed apart.
//
// SHARED SIZE and UNIQUE SIZE of `system df -v`, at chunk level. Docker counts an image's SIZE
// as the bytes of its layers, SHARED SIZE as the bytes of those layers another image also has,
// and UNIQUE SIZE = SIZE - SHARED SIZE. Here, with SIZE the same (the content bytes of its
// layers, each layer once):
//   SHARED SIZE  the image's content bytes held in pieces that at least one other image also
//                references: chunks (and index segments) stored once for both;
//   UNIQUE SIZE  SIZE - SHARED SIZE: its content bytes in pieces no other image references,
//                which only this image keeps on disk.
// Both count every use of a piece (SHARED + UNIQUE = SIZE, as in Docker). A layer that another
// image also has is all shared, as in Docker; two layers that differ in one file share every
// chunk of the others: two imports of nearly the same tree, or a rebuilt COPY, are not "0B
// shared". Sharing is between images: the build cache and containers do not count.

import type { ContentStore, StoreUsage } from '../cas/types.js'
import type { Digest } from '../digest/digest.js'
import { indexContent } from '../layer/index.js'

interface LayerPieces {
  /** Pieces of the entries' content, with repeats. */
  entries: Uint32Array
  /** Chunks of the trailer (bytes after the archive's end). */
  trailer: Uint32Array
}

export class ChunkTable {
  private readonly ids = new Map<string, number>()
  /** A chunk's hex digest, or `s` and a segment's (a segment's small files). */
  private readonly keys: string[] = []
  private readonly sizes: number[] = []
  private readonly layers = new Map<Digest, LayerPieces>()
  private marks = new Uint32Array(0)
  private stamp = 0

  /** Reads the pieces of a layer's index (an unreadable index counts as none). */
  async addLayer(cas: ContentStore, chainId: Digest, index: Digest): Promise<void> {
    const entries: number[] = []
    const trailer: number[] = []
    let segment = ''
    let inline = 0
    const endSegment = () => {
      if (inline > 0) entries.push(this.id(`s${segment}`, inline))
      inline = 0
    }
    try {
      for await (const p of indexContent(cas, index)) {
        if (p.kind === 'segment') {
          endSegment()
          segment = p.hex
        } else if (p.kind === 'inline') inline += p.bytes
        else for (const [hex, size] of p.refs) (p.trailer ? trailer : entries).push(this.id(hex, size))
      }
      endSegment()
    } catch {
      entries.length = 0
      trailer.length = 0
    }
    this.layers.set(chainId, { entries: Uint32Array.from(entries), trailer: Uint32Array.from(trailer) })
  }

  /** Bytes of the distinct chunks of these layers, and what they take stored. */
  distinct(chainIds: Iterable<Digest>, usage: StoreUsage): { chunkBytes: number; storedBytes: number } {
    const stamp = this.nextStamp()
    let chunkBytes = 0
    let storedBytes = 0
    for (const c of chainIds) {
      const l = this.layers.get(c)
      if (!l) continue
      for (const ids of [l.entries, l.trailer]) {
        for (const id of ids) {
          if (this.marks[id] === stamp || !this.isChunk(id)) continue
          this.marks[id] = stamp
          chunkBytes += this.sizes[id]
          storedBytes += usage.storedSize(`sha256:${this.keys[id]}`) ?? 0
        }
      }
    }
    return { chunkBytes, storedBytes }
  }

  /**
   * For each image (the chain IDs of its layers), its SHARED SIZE: the content bytes of its
   * layers held in pieces another of these images references too (see the top of this file).
   */
  sharedBytes(images: Digest[][]): number[] {
    const users = new Uint8Array(this.keys.length) // images using each piece, counted up to 2
    for (const chain of images) {
      const stamp = this.nextStamp()
      for (const c of chain) {
        const l = this.layers.get(c)
        if (!l) continue
        for (const ids of [l.entries, l.trailer]) {
          for (const id of ids) {
            if (this.marks[id] === stamp) continue
            this.marks[id] = stamp
            if (users[id] < 2) users[id]++
          }
        }
      }
    }
    return images.map((chain) => {
      let shared = 0
      for (const c of chain) for (const id of this.layers.get(c)?.entries ?? []) if (users[id] > 1) shared += this.sizes[id]
      return shared
    })
  }

  /** Bytes of every distinct chunk. */
  total(): number {
    let n = 0
    for (let id = 0; id < this.keys.length; id++) if (this.isChunk(id)) n += this.sizes[id]
    return n
  }

  private id(key: string, size: number): number {
    let id = this.ids.get(key)
    if (id === undefined) {
      id = this.keys.length
      this.ids.set(key, id)
      this.keys.push(key)
      this.sizes.push(size)
    }
    return id
  }

  private isChunk(id: number): boolean {
    return this.keys[id].length === 64
  }

  private nextStamp(): number {
    if (this.marks.length < this.keys.length) this.marks = new Uint32Array(this.keys.length)
    return ++this.stamp
  }
}
