// One stage of a build as the step handlers (steps.ts) see it: its image so far (layers and
// config), its variables, the cache's state (a miss invalidates every later step), and what the
// steps share: numbered titles, history entries, the image's merged view for COPY/ADD
// destinations and users, and `layerStep`, which reuses a cached layer or makes it.

import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { getConfig, imageLayers, type AddedLayer } from '../image/create.js'
import type { ImageConfig, HistoryEntry } from '../image/model.js'
import type { LayerRecord } from '../layer/index.js'
import { storeSnapshots } from '../container/snapshots.js'
import { mergedView, type MergedView } from '../driver/index.js'
import { resolveInRoot } from '../fsroot/index.js'
import { resolveUser } from '../container/user.js'
import type { ConfigState } from '../image/configInstruction.js'
import * as P from './parser/index.js'
import { cacheGet, cachePut } from './cache.js'
import type { ContextHasher, IgnoreFn } from './context.js'
import type { LowerStat } from './copyStep.js'
import type { Later } from './runStep.js'
import type { Progress } from './progress.js'
import { noSecrets, type MountSources } from './runMount/index.js'
import { refuseMount } from './unsupported.js'
import { stepTitles } from './stepTitles.js'
import type { BuildPlan } from './plan.js'
import type { BuildOptions } from './types.js'

export interface StageState {
  layers: LayerRecord[]
  config: ImageConfig
  /**
   * When the stage's newest content was made: the base image's time, then each layer step's
   * (a cache hit keeps the time of the build that made the layer). History entries and the
   * image's `created` use it, as BuildKit does, so a fully cached rebuild gives the same image
   * ID instead of a new one (and a dangling old one) per run.
   */
  created: string
}

/** What every stage of one build shares. */
export interface BuildRun {
  store: Store
  o: BuildOptions
  plan: BuildPlan
  progress: Progress
  /** Finished stages, by index (for FROM <stage>, COPY --from, RUN --mount=from). */
  results: Map<number, StageState>
  /** Temp roots to remove when the build ends (stage roots, heredoc files, downloads). */
  roots: { cleanup: () => Promise<void> }[]
  hasher: ContextHasher
  ignore: IgnoreFn
  /** Each RUN's container removal: beside the next RUN, or at the end. */
  later: Later
  /** The time new content gets (SOURCE_DATE_EPOCH's when set). */
  now: () => string
  tarOpts: { sourceDateEpoch?: number }
  steps: number
  cachedSteps: number
  /** Keys of the cache entries this build hit, marked used when it ends (cache.ts cacheTouch). */
  cacheHits: Set<string>
}

const topKey = (layers: LayerRecord[]) => (layers.length > 0 ? layers[layers.length - 1].chainId : 'scratch')

export class StageBuild {
  readonly scope: P.StageScope
  /** CMD/ENTRYPOINT across this stage's instructions (lib/image/configInstruction.ts). */
  readonly configState: ConfigState = { cmdSet: false }
  cacheValid: boolean
  /** The instruction being dispatched (-1: the base image's ONBUILD triggers). */
  pos = -1
  readonly mountSources: MountSources
  private readonly titled: (text: string, onbuild?: boolean) => string
  private view: { top: Digest | undefined; view: MergedView } | undefined

  constructor(
    readonly run: BuildRun,
    readonly si: number,
    readonly st: StageState,
    triggerSteps: number,
  ) {
    const { plan, o } = run
    const stage = plan.df.stages[si]
    this.scope = new P.StageScope({ metaArgs: plan.meta, buildArgs: o.buildArgs ?? {}, env: st.config.config.Env ?? [], escapeChar: plan.df.escapeChar })
    this.cacheValid = !o.noCache
    this.titled = stepTitles(plan.df.stages.length > 1 ? stage.name ?? `stage-${si}` : undefined, plan.totals.get(si)! + triggerSteps)
    this.mountSources = {
      store: run.store, context: o.context, ignore: run.ignore, hasher: run.hasher, secrets: o.secrets ?? noSecrets,
      resolveFrom: async (ref) => {
        const idx = plan.stageRef(ref, si)
        const done = idx === undefined ? undefined : run.results.get(idx)
        if (done) return { layers: done.layers, key: topKey(done.layers) }
        // A stage the build did not plan for (named only by an image's ONBUILD trigger).
        if (idx !== undefined) throw new StoreError(Codes.BUILD_FAILED, `failed to solve: stage ${ref} was not built`)
        if (ref === 'scratch') return { layers: [], key: 'scratch' }
        const layers = await this.imageLayers(ref)
        return { layers, key: topKey(layers) }
      },
    }
  }

  get store(): Store {
    return this.run.store
  }

  get stage(): P.Stage {
    return this.run.plan.df.stages[this.si]
  }

  get esc(): P.EscapeChar {
    return this.run.plan.df.escapeChar
  }

  /** SOURCE_DATE_EPOCH, when the build clamps times to it. */
  get sde(): number | undefined {
    return this.run.o.sourceDateEpoch
  }

  /** A numbered step's progress line. */
  step(title: string): ReturnType<Progress['step']> {
    this.run.steps++
    return this.run.progress.step(title)
  }

  /** The title of `instr`'s step (`[2/5] RUN make`). */
  title(instr: P.Instruction, fromTrigger: boolean): string {
    return this.titled(instr.original, fromTrigger)
  }

  /** FROM's own line, for a stage whose FROM is a numbered step. */
  fromStep(image: string): void {
    this.step(this.titled(`FROM ${image}`)).done()
  }

  shell(): string[] {
    return this.st.config.config.Shell ?? [...P.DEFAULT_SHELL]
  }

  workdir(): string {
    return this.st.config.config.WorkingDir || '/'
  }

  parentKey(): string {
    return topKey(this.st.layers)
  }

  /** The layers of image `ref` of the store (COPY --from=<image>, RUN --mount=from=<image>). */
  async imageLayers(ref: string): Promise<LayerRecord[]> {
    const id = await this.store.images.resolve(ref)
    if (!id) throw new StoreError(Codes.BUILD_FAILED, `failed to solve: ${ref}: image not found in the store`)
    return imageLayers(this.store, await getConfig(this.store, id))
  }

  private async snapshotsTopFirst(): Promise<string[]> {
    return (await storeSnapshots(this.store, this.st.layers)).dirs.reverse()
  }

  /** The image's merged view (an image symlink is followed inside the image, as BuildKit does, never on the host). */
  private async currentView(): Promise<MergedView> {
    const top = this.st.layers[this.st.layers.length - 1]?.chainId
    if (!this.view || this.view.top !== top) this.view = { top, view: mergedView(await this.snapshotsTopFirst()) }
    return this.view.view
  }

  /** What the image has at `path`: a dir, something else, or nothing. */
  readonly lower: LowerStat = async (path) => {
    const r = await resolveInRoot(await this.currentView(), path, { follow: true })
    return r.stat === undefined ? undefined : r.stat.isDirectory() ? 'dir' : 'other'
  }

  /** A COPY/ADD destination as BuildKit resolves it (fs.RootPath): through the image's links. */
  async inImage(path: string): Promise<string> {
    const r = await resolveInRoot(await this.currentView(), path, { follow: true })
    return `/${r.rel}${path.endsWith('/') && r.rel !== '' ? '/' : ''}`
  }

  /** The uid and gid of `user` (a name or number, `user:group`) in the image. */
  async owner(user: string | undefined): Promise<{ uid: number; gid: number }> {
    if (!user) return { uid: 0, gid: 0 }
    const u = await resolveUser(await this.snapshotsTopFirst(), user)
    return { uid: u.uid, gid: u.gid }
  }

  /** The history entry of `instr` (as `expanded` reads), unless the instruction has none. */
  history(instr: P.Instruction, emptyLayer: boolean, expanded: P.Instruction = instr): void {
    const createdBy = P.historyCreatedBy(expanded, { shell: this.shell(), args: this.scope.declaredArgs(), vars: this.scope.vars(), workdir: this.workdir() })
    if (createdBy === undefined) return
    const h: HistoryEntry = { created: this.st.created, created_by: createdBy, comment: P.HISTORY_COMMENT }
    if (emptyLayer) h.empty_layer = true
    this.st.config.history.push(h)
  }

  /**
   * Reuse a cached layer or make it; appends it to the stage. A layer made here that a later
   * step of the build stands on gets its snapshot in this step (`snapshot`: a COPY's, ADD's
   * or WORKDIR's; a RUN's committed its own), so its time shows here, not on the next line.
   */
  async layerStep(key: string, description: string, make: () => Promise<AddedLayer>, v: ReturnType<Progress['step']>, snapshot = false): Promise<void> {
    const { store, st } = this
    const hit = this.cacheValid ? await cacheGet(store, key) : undefined
    if (hit) {
      st.layers.push(await store.layers.require(hit.chainId))
      st.config.rootfs.diff_ids.push(hit.diffId)
      if (this.sde === undefined) st.created = hit.created
      this.run.cachedSteps++
      this.run.cacheHits.add(key)
      v.cached()
      return
    }
    this.cacheValid = false // a miss invalidates every later step
    const made = await make()
    st.created = this.run.now()
    await cachePut(store, key, { chainId: made.record.chainId, diffId: made.record.diffId, created: st.created, description })
    st.layers.push(made.record)
    st.config.rootfs.diff_ids.push(made.record.diffId)
    if (snapshot && this.rootUsedLater()) await storeSnapshots(store, st.layers)
    v.done()
  }

  /** Whether a later step stands on this stage's layers: a RUN, COPY, ADD or WORKDIR after this one, or a later stage. */
  private rootUsedLater(): boolean {
    return this.si !== this.run.plan.targetIndex || this.stage.instructions.slice(this.pos + 1).some((x) => x.kind === 'RUN' || x.kind === 'COPY' || x.kind === 'ADD' || x.kind === 'WORKDIR')
  }

  /** The RUN's mounts with the stage's variables substituted, checked as BuildKit does. */
  runMounts(instr: P.RunInstruction): P.RunMountSpec[] {
    return instr.mounts.map((m) => {
      let spec: P.RunMountSpec
      try {
        spec = P.resolveRunMount(m.raw, (w) => P.expand(w, this.scope.vars(), this.esc), this.workdir())
      } catch (e) {
        P.atLine(instr.startLine, e)
      }
      refuseMount(instr.startLine, spec)
      const from = 'from' in spec ? spec.from : undefined
      if (from !== undefined && this.run.plan.stageRef(from, this.si) === undefined && this.run.plan.df.stages.some((s, i) => i >= this.si && s.name === from.toLowerCase())) {
        throw new StoreError(Codes.BUILD_FAILED, `cannot mount from stage "${from}" to "${'target' in spec ? spec.target : ''}", stage needs to be defined before current command`, { data: { line: instr.startLine } })
      }
      return spec
    })
  }
}
