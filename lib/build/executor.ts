// `store build`: runs a parsed Dockerfile stage by stage (plan.ts chooses the stages; each
// instruction goes to its handler in the step table, steps.ts, with its stage, stage.ts). Each step is keyed by content
// (DESIGN decision 5; cache.ts), so an identical step over the same parent is reused from any
// earlier build in the store; a miss invalidates every later step of its stage. RUN runs in a
// container (runStep.ts) on the launcher `--runtime` names, with its --network and --mounts
// (runMount/); COPY/ADD build their layer from the sources directly (copyStep.ts;
// ADD <url> downloads first, remote.ts); a flag the parser accepts and store does not implement
// is refused before any step runs (unsupported.ts);
// WORKDIR makes a layer only when it creates the folder; everything else only edits the config
// and adds an `empty_layer` history entry. Nothing is tagged unless the whole build succeeds.
// `signal` (Ctrl-C) stops the build: a running RUN is killed, no later step starts.

import { readInRoot } from '../fsroot/index.js'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { getConfig, imageLayers, putImage } from '../image/create.js'
import { newConfig, DEFAULT_PATH } from '../image/model.js'
import { parseTag } from '../reference.js'
import type { LayerRecord } from '../layer/index.js'
import { keepSnapshotBudget, observeExtractions } from '../container/snapshots.js'
import { gcLease } from '../_lock.js'
import * as P from './parser/index.js'
import { ContextHasher, type IgnoreFn } from './context.js'
import { Later, canceledError } from './runStep.js'
import { Progress, silentView } from './progress.js'
import { hostPlatform, platformArgs } from '../platform.js'
import { stageStepTotal } from './stepTitles.js'
import { planBuild } from './plan.js'
import { StageBuild, type BuildRun, type StageState } from './stage.js'
import { dispatch } from './steps.js'
import { cacheTouch } from './cache.js'
import type { BuildOptions, BuildResult } from './types.js'

export type { BuildOptions, BuildResult } from './types.js'

const clone = <T>(x: T): T => structuredClone(x)

export async function build(store: Store, o: BuildOptions): Promise<BuildResult> {
  const progress = new Progress(o.progress ?? silentView)
  try {
    // A snapshot extracted from a layer's blobs shows on the step that needed it (BuildKit's
    // "extracting" line). A RUN's own layer never does: its container committed it (runStep.ts).
    const extracted = (l: LayerRecord, ms: number) => progress.noteCurrent(`extracting ${l.diffId} ${(ms / 1000).toFixed(1)}s done`)
    const r = await observeExtractions(extracted, () => buildWith(store, o, progress))
    progress.end()
    await keepSnapshotBudget(store) // after the build's lease: its layers are the cache's now
    return r
  } catch (e) {
    // However the abort surfaced (a killed RUN, an aborted download), it reads as a cancel.
    const err = o.signal?.aborted ? canceledError() : e
    progress.end(err)
    throw err
  }
}

async function buildWith(store: Store, o: BuildOptions, progress: Progress): Promise<BuildResult> {
  const tags = (o.tags ?? []).map(parseTag)
  const df = P.parseDockerfile(o.dockerfile)
  const platform = hostPlatform()
  const meta = P.resolveMetaArgs(df.metaArgs, o.buildArgs ?? {}, df.escapeChar, platformArgs(platform))
  const plan = planBuild(df, meta, o.target, platform)
  const sde = o.sourceDateEpoch
  const now = () => (sde !== undefined ? new Date(sde * 1000) : store.now()).toISOString()
  // The live view's header counts every numbered step (and the export) from the start.
  let extraSteps = 0
  const planned = () => [...plan.totals.values()].reduce((a, b) => a + b, 1) + extraSteps
  progress.plan(planned())

  // Context: .dockerignore, hashes remembered between builds.
  let ignore: IgnoreFn = () => false
  if (o.context) {
    // Read inside the context, as the Dockerfile is (input.ts): a `.dockerignore` that links to a
    // host file had a line of it printed in the pattern error.
    const text = readInRoot(o.context, '.dockerignore')
    if (text !== undefined) {
      const m = P.createIgnoreMatcher(P.parseDockerignore(text))
      ignore = (rel, isDir) => m(rel, isDir)
    }
  }
  const hasher = new ContextHasher(store)
  await hasher.load()

  const release = await gcLease(store.layout)
  const run: BuildRun = {
    store, o, plan, progress, results: new Map(), roots: [], hasher, ignore, later: new Later(), now,
    tarOpts: sde !== undefined ? { sourceDateEpoch: sde } : {}, steps: 0, cachedSteps: 0, cacheHits: new Set(),
  }
  try {
    for (const si of plan.order) {
      const from = plan.from(si)
      const st = await baseState(store, from.image, plan.stageRef(from.image, si), run.results, now, sde !== undefined).catch((e) => {
        // A base that cannot be found fails on BuildKit's metadata step, before any numbered one.
        progress.step(`[internal] load metadata for ${from.image}`).error((e as Error).message)
        throw e
      })
      // The base image's ONBUILD triggers are steps of this stage too: counted, so no step is
      // numbered past the total (BuildKit leaves them out of it and shows `[3/2]`).
      const triggers = st.config.config.OnBuild ?? []
      const triggerSteps = stageStepTotal(false, triggers.map((t) => ({ kind: t.trim().split(/\s+/)[0].toUpperCase() as P.Instruction['kind'] })))
      if (triggerSteps > 0) {
        extraSteps += triggerSteps
        progress.plan(planned())
      }
      const stage = new StageBuild(run, si, st, triggerSteps)
      // FROM scratch or an earlier stage is no step of its own (BuildKit shows none).
      if (plan.fromCounts(si)) stage.fromStep(from.image)
      st.config.config.OnBuild = undefined
      for (const t of triggers) await dispatch(stage, P.parseInstruction(t, stage.stage.from.startLine, df.escapeChar), true)
      for (const [i, instr] of stage.stage.instructions.entries()) {
        stage.pos = i
        await dispatch(stage, instr, false)
      }
      run.results.set(si, st)
    }
  } catch (e) {
    await run.later.drain()
    await release()
    throw e
  } finally {
    await run.later.drain()
    for (const r of run.roots) await r.cleanup().catch(() => {})
    await hasher.save().catch(() => {})
    await cacheTouch(store, run.cacheHits).catch(() => {}) // a hint for `prune --filter until=`: not worth failing the build
  }

  // Still under the lease: a prune between the last step and the image record would drop the
  // build cache, the only root of the new layers, and sweep them under the image.
  try {
    const final = run.results.get(plan.targetIndex)!
    const config = final.config
    if (o.labels && Object.keys(o.labels).length > 0) config.config.Labels = { ...(config.config.Labels ?? {}), ...o.labels }
    config.created = final.created
    if (o.signal?.aborted) throw canceledError() // nothing is tagged after a Ctrl-C
    const w = progress.step('exporting to image')
    const id = await putImage(store, config, { tags })
    w.note(`writing image ${id} done`)
    for (const t of tags) w.note(`naming to ${t} done`)
    w.done()
    return { id, tags, steps: run.steps, cached: run.cachedSteps }
  } finally {
    await release()
  }
}

/** `fixedTime`: SOURCE_DATE_EPOCH is set, every time is `now()`. */
async function baseState(store: Store, image: string, stageIdx: number | undefined, results: Map<number, StageState>, now: () => string, fixedTime: boolean): Promise<StageState> {
  if (stageIdx !== undefined) {
    const s = results.get(stageIdx)!
    return { layers: [...s.layers], config: clone(s.config), created: s.created }
  }
  if (image === 'scratch') {
    const config = newConfig(now())
    config.config = { Env: [DEFAULT_PATH] }
    return { layers: [], config, created: now() }
  }
  const id = await store.images.resolve(image)
  if (!id) {
    throw new StoreError(Codes.BUILD_FAILED, `failed to solve: ${image}: image not found in the store`, {
      hint: 'store has no registry: import, load or build the base image first',
      })
  }
  const config = clone(await getConfig(store, id))
  config.history = config.history ?? []
  config.config = config.config ?? {}
  const created = fixedTime ? now() : config.created ?? now()
  return { layers: await imageLayers(store, config), config, created }
}
