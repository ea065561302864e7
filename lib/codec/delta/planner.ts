// Where a new chunk finds its base: sketch it, look the sketch up, take the best candidate
// whose content can be had and is under the depth bound. One planner per chunk batch: the
// write path calls plan() for each chunk it is about to write and written() once it is
// written (as a delta or whole), so the chunk becomes a candidate for the chunks after it;
// flush() once the batch is committed. A chunk of the batch itself is not readable from the
// store before the commit, so the planner keeps the last `window` bytes of them: 8 MiB found
// every base an unbounded window found in four version series (bench/delta), and without
// them prettier's patch series stored 14.7x instead of 23.5x (its .js and .mjs twins).
// Pure policy: the sketcher, the index and the store's reads are injected.

import type { Digest } from '../../digest/digest.js'
import { MAX_DEPTH, MAX_DELTA_SIZE, type DeltaBase, type ResemblanceIndex, type Sketch, type Sketcher } from './types.js'

export interface PlannerDeps {
  sketcher: Sketcher
  index: ResemblanceIndex
  /** A committed chunk's verified content and depth; undefined when it is gone (collected since). */
  base(d: Digest): Promise<{ content: Uint8Array; depth: number } | undefined>
  /** Bytes of this batch's own chunks kept as bases (default 8 MiB). */
  window?: number
  /** Candidates tried before giving up (a collected base tries the next). */
  tries?: number
  /** Deepest chain to make (default MAX_DEPTH; deeper only in bench/delta, to measure: readers refuse it). */
  bound?: number
}

export interface DeltaPlan {
  sketch: Sketch
  /** The base to try; the writer still stores the chunk whole when the delta does not pay. */
  base?: DeltaBase
}

export interface DeltaPlanner {
  plan(data: Uint8Array): Promise<DeltaPlan>
  /** `data` was stored as `digest` at `depth` (0: whole). */
  written(digest: Digest, plan: DeltaPlan, depth: number, data: Uint8Array): void
  flush(): Promise<void>
}

export function createPlanner(deps: PlannerDeps): DeltaPlanner {
  const tries = deps.tries ?? 2
  const bound = deps.bound ?? MAX_DEPTH
  const window = deps.window ?? 8 << 20
  // This batch's recent chunks, oldest first (Map order), at most `window` bytes.
  const recent = new Map<Digest, { content: Uint8Array; depth: number }>()
  let recentBytes = 0
  const base = async (d: Digest) => recent.get(d) ?? (await deps.base(d))
  return {
    async plan(data) {
      const sketch = deps.sketcher.sketch(data)
      if (data.length > MAX_DELTA_SIZE) return { sketch }
      const candidates = deps.index.lookup(sketch, 4).filter((c) => c.depth < bound)
      for (const c of candidates.slice(0, tries)) {
        const b = await base(c.digest)
        if (b && b.depth < bound) return { sketch, base: { digest: c.digest, ...b } }
      }
      return { sketch }
    },
    written(digest, plan, depth, data) {
      deps.index.add(digest, plan.sketch, depth)
      if (data.length > window || recent.has(digest)) return
      recent.set(digest, { content: data, depth })
      recentBytes += data.length
      for (const [k, v] of recent) {
        if (recentBytes <= window) break
        recent.delete(k)
        recentBytes -= v.content.length
      }
    },
    flush: () => deps.index.flush(),
  }
}

/**
 * Whether the writer should also compress a chunk whole and keep the smaller: only when its
 * delta saved less than 3/4 of the chunk. A delta found by the sketch was smaller than the
 * whole chunk's zstd 3 in every case measured (bench/delta: 2,200 deltas over four series), and
 * zstd 3 leaves JavaScript at about 1/4 of its size, so below that the comparison is wasted.
 */
export function compareWithWhole(deltaStored: number, size: number): boolean {
  return deltaStored > size / 4
}
