// Where a new chunk finds its base: sketch it, look the sketch up, take the best candidate
// whose blob is still there and under the depth bound. The content store's write path calls
// plan() for each chunk it is about to write and written() once it is written (as a delta or
// whole), so the chunk becomes a candidate for the chunks after it; flush() at commit.
// Pure policy: the sketcher, the index and the base reader are injected.

import type { Digest } from '../digest/digest.js'
import { MAX_DEPTH, MAX_DELTA_SIZE, type DeltaBase, type ResemblanceIndex, type Sketch, type Sketcher } from './types.js'

export interface PlannerDeps {
  sketcher: Sketcher
  index: ResemblanceIndex
  /** A stored chunk's verified content and depth; undefined when it is gone (collected since). */
  base(d: Digest): Promise<{ content: Uint8Array; depth: number } | undefined>
  /** Candidates tried before giving up (a collected base tries the next). */
  tries?: number
}

export interface DeltaPlan {
  sketch: Sketch
  /** The base to try; the writer still stores the chunk whole when the delta does not pay. */
  base?: DeltaBase
}

export interface DeltaPlanner {
  plan(data: Uint8Array): Promise<DeltaPlan>
  written(digest: Digest, plan: DeltaPlan, depth: number): void
  flush(): Promise<void>
}

export function createPlanner(deps: PlannerDeps): DeltaPlanner {
  const tries = deps.tries ?? 2
  return {
    async plan(data) {
      const sketch = deps.sketcher.sketch(data)
      if (data.length > MAX_DELTA_SIZE) return { sketch }
      const candidates = deps.index.lookup(sketch, 4).filter((c) => c.depth < MAX_DEPTH)
      for (const c of candidates.slice(0, tries)) {
        const b = await deps.base(c.digest)
        if (b && b.depth < MAX_DEPTH) return { sketch, base: { digest: c.digest, ...b } }
      }
      return { sketch }
    },
    written(digest, plan, depth) {
      deps.index.add(digest, plan.sketch, depth)
    },
    flush: () => deps.index.flush(),
  }
}
