// A content store as the delta bench needs it: releases imported in order, each file cut by
// the store's chunker, each chunk not yet stored written either whole (zstd 3, as the put
// workers do: raw when that is not smaller) or, when the planner finds a base, as a delta
// (compared with the whole chunk only when compareWithWhole says so, as the writer will). The real sketcher, resemblance index (a temp folder, flushed once per
// release as an import commits) and delta encoder; blobs are kept in memory, not on disk.
// `bound` is the deepest chain allowed (0: no deltas, the baseline). Past lib/codec/delta's MAX_DEPTH
// only sizes are computed (_zstdFrame's blocks + the head), to show what a deeper bound buys.
// `window`: the planner's window of the batch's own chunks (one planner per release, as per
// chunk batch); bases from earlier releases are read from the store.

import * as zlib from 'node:zlib'
import { createHash } from 'node:crypto'
import type { ChunkerImpl } from '../lib/chunk/index.js'
import type { Digest } from '../lib/digest/digest.js'
import { DELTA_HEAD, MAX_DEPTH, compareWithWhole, createPlanner, type DeltaPlanner, type Sketcher } from '../lib/codec/delta/index.js'
import { encodeDelta } from '../lib/codec/delta/native.js'
import { openResemblanceIndex } from '../lib/codec/delta/resemblanceIndex.js'
import { zstdPrefix, type NodeZstd } from '../lib/codec/delta/_zstdFrame.js'
import { encodeHeader } from '../lib/codec/index.js'
import type { Release } from './_versions.js'

export interface Stored {
  content: Uint8Array
  depth: number
  /** The blob as stored (header included); only its length where `bound` > MAX_DEPTH. */
  blob?: Uint8Array
  size: number
}

export interface ReleaseResult {
  version: string
  input: number
  newChunks: number
  stored: number
  /** New chunks for which the index named a usable base, and those stored as deltas. */
  hits: number
  deltas: number
  /** Deltas also compressed whole to compare (compareWithWhole), and how often whole won. */
  compared: number
  wholeWon: number
}

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest
const zp = zstdPrefix()

export function plainBlob(data: Uint8Array): Uint8Array {
  const z = zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } })
  const packed = z.length < data.length
  const out = new Uint8Array(9 + (packed ? z.length : data.length))
  encodeHeader(packed ? 'zstd' : 'raw', data.length, out)
  out.set(packed ? z : data, 9)
  return out
}

export class DeltaSim {
  readonly store = new Map<Digest, Stored>()
  /** (chunk, base) of every delta written, for the speed tables. */
  readonly pairs: { data: Uint8Array; base: Uint8Array; digest: Digest }[] = []
  /** Chunks of the release being imported: not readable from the store until it is done. */
  private batch = new Set<Digest>()
  private newPlanner!: () => DeltaPlanner

  private constructor(
    private readonly chunker: ChunkerImpl,
    readonly bound: number,
  ) {}

  static async open(chunker: ChunkerImpl, sketcher: Sketcher, bound: number, indexDir: string, window = Infinity): Promise<DeltaSim> {
    const sim = new DeltaSim(chunker, bound)
    const index = await openResemblanceIndex(indexDir)
    const base = async (d: Digest) => (sim.batch.has(d) ? undefined : sim.store.get(d))
    sim.newPlanner = () => createPlanner({ sketcher, index, bound, base, window })
    return sim
  }

  async importRelease(r: Release): Promise<ReleaseResult> {
    const res: ReleaseResult = { version: r.version, input: r.bytes, newChunks: 0, stored: 0, hits: 0, deltas: 0, compared: 0, wholeWon: 0 }
    this.batch = new Set()
    const planner = this.newPlanner()
    for (const f of r.files) {
      let o = 0
      for (const n of this.chunker.cuts(f.data)) {
        const chunk = f.data.subarray(o, (o += n))
        const d = sha(chunk)
        if (this.store.has(d)) continue
        res.newChunks++
        // The writer's policy: the delta first; the whole chunk only to compare with a poor one.
        const plan = this.bound > 0 ? await planner.plan(chunk) : undefined
        const base = plan?.base
        const delta = base && this.encode(chunk, base)
        let s: Stored | undefined
        if (base) res.hits++
        if (delta && compareWithWhole(delta.size, chunk.length)) res.compared++
        if (!delta || compareWithWhole(delta.size, chunk.length)) {
          const plain = plainBlob(chunk)
          s = { content: chunk, depth: 0, blob: plain, size: plain.length }
          if (delta && delta.size >= plain.length) res.wholeWon++
        }
        if (delta && (!s || delta.size < s.size)) {
          s = { content: chunk, depth: base!.depth + 1, ...delta }
          res.deltas++
          if (delta.blob) this.pairs.push({ data: chunk, base: base!.content, digest: d })
        }
        this.store.set(d, s!)
        this.batch.add(d)
        res.stored += s!.size
        if (plan) planner.written(d, plan, s!.depth, chunk)
      }
    }
    await planner.flush()
    return res
  }

  private encode(data: Uint8Array, base: { digest: Digest; content: Uint8Array; depth: number }): { blob?: Uint8Array; size: number } | undefined {
    if (base.depth < MAX_DEPTH) {
      const blob = encodeDelta(data, base)
      return blob && { blob, size: blob.length }
    }
    // Beyond the format's bound: what the delta would cost, not a blob a reader would accept.
    const blocks = zp.encode(zlib as unknown as NodeZstd, data, base.content, 3)
    return blocks ? { size: DELTA_HEAD + blocks.length } : undefined
  }
}
