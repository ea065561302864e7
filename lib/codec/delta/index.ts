// Deltas across versions (see types.ts): the sketch, the resemblance index, the stored form and
// its reader. `loadSketcher()` gives the WebAssembly core unless asked for the TypeScript
// reference; both give the same features. Writing deltas is native (./native.js, loaded on
// demand); reading them is the codec's (lib/codec decodes encoding 'delta' on both backends).

import { tsSketcher } from './sketchTs.js'
import type { Sketcher, SketcherName } from './types.js'

export { FEATURES, MAX_DEPTH, MAX_DELTA_SIZE } from './types.js'
export type { Candidate, DeltaBase, DeltaBases, ResemblanceIndex, Sketch, Sketcher, SketcherName } from './types.js'
export { DELTA_HEAD, deltaRef, encodeDeltaHead, parseDelta, storedDepth, type DeltaRef } from './format.js'
export { decodeDelta } from './decode.js'
export { createBaseCache, type BaseCache } from './baseCache.js'
export { compareWithWhole, createPlanner, type DeltaPlan, type DeltaPlanner, type PlannerDeps } from './planner.js'

let wasm: Promise<Sketcher> | undefined

/** The sketcher named, or 'wasm'. The wasm core is instantiated once. */
export function loadSketcher(name: SketcherName = 'wasm'): Promise<Sketcher> {
  if (name === 'ts') return Promise.resolve(tsSketcher)
  wasm ??= import('./sketchWasm.js').then((m) => m.createWasmSketcher())
  wasm.catch(() => (wasm = undefined))
  return wasm
}
