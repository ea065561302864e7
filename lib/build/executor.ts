// `store build`: runs a parsed Dockerfile stage by stage. Each step is keyed by content
// (DESIGN decision 5; cache.ts), so an identical step over the same parent is reused from any
// earlier build in the store; a miss invalidates every later step of its stage. RUN runs in a
// container (runStep.ts) on the launcher `--runtime` names, with its --network and --mounts
// (runMount/); COPY/ADD build their layer from the sources directly (copyStep.ts;
// ADD <url> downloads first, remote.ts); a flag the parser accepts and store does not implement
// is refused before any step runs (unsupported.ts);
// WORKDIR makes a layer only when it creates the folder; everything else only edits the config
// and adds an `empty_layer` history entry. Nothing is tagged unless the whole build succeeds.
// `signal` (Ctrl-C) stops the build: a running RUN is killed, no later step starts.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { getConfig, imageLayers, putImage, addLayer, type AddedLayer } from '../image/create.js'
import { newConfig, DEFAULT_PATH, type ImageConfig, type HistoryEntry } from '../image/model.js'
import { parseTag } from '../reference.js'
import { itemsTar, type LayerRecord } from '../layer/index.js'
import { keepSnapshotBudget, observeExtractions, storeSnapshots } from '../container/snapshots.js'
import { mergedView, type MergedView } from '../driver/index.js'
import { resolveInRoot } from '../fsroot/index.js'
import { gcLease } from '../_lock.js'
import { resolveUser } from '../container/user.js'
import { applyConfigInstruction, type ConfigState } from '../image/configInstruction.js'
import * as P from './parser/index.js'
import { cacheGet, cacheKey, cachePut } from './cache.js'
import { ContextHasher, type IgnoreFn, type SourceRoot } from './context.js'
import { copyLayer, planCopy, type CopyItem, type LowerStat } from './copyStep.js'
import { Later, canceledError, runStep } from './runStep.js'
import { Progress, silentView, type ProgressView } from './progress.js'
import { RemoteSources, checkedChecksum, isRemoteSource } from './remote.js'
import { materialize } from './stageRoot.js'
import { noSecrets, planRunMounts, type MountSources, type Secrets } from './runMount/index.js'
import { refuseMount, refuseUnsupported, unsupported } from './unsupported.js'
import { formatPlatform, hostPlatform, namesPlatform, platformArgs } from './platform.js'
import { stageStepTotal, stepTitles } from './stepTitles.js'
import type { LauncherName } from '../runtime/types.js'

export interface BuildOptions {
  /** Build context folder; undefined when the Dockerfile came from stdin without one. */
  context?: string
  dockerfile: string
  /** Where the Dockerfile came from, for messages. */
  dockerfileName?: string
  tags?: string[]
  buildArgs?: Record<string, string>
  target?: string
  noCache?: boolean
  labels?: Record<string, string>
  /** Clamp timestamps for reproducible images (SOURCE_DATE_EPOCH). */
  sourceDateEpoch?: number
  progress?: ProgressView
  /** Aborting it cancels the build (Ctrl-C). */
  signal?: AbortSignal
  /** The launcher every RUN step uses (`--runtime`); default the built-in one. */
  launcher?: LauncherName
  /** `--secret` values, for RUN --mount=type=secret (runMount/secrets.ts). */
  secrets?: Secrets
}

export interface BuildResult {
  id: Digest
  tags: string[]
  steps: number
  cached: number
}

interface StageState {
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
  const esc = df.escapeChar
  const buildArgs = o.buildArgs ?? {}
  const platform = hostPlatform()
  const meta = P.resolveMetaArgs(df.metaArgs, buildArgs, esc, platformArgs(platform))
  const sde = o.sourceDateEpoch
  const now = () => (sde !== undefined ? new Date(sde * 1000) : store.now()).toISOString()
  const tarOpts = sde !== undefined ? { sourceDateEpoch: sde } : {}

  // Which stages: the target and what it needs (FROM <stage>, COPY --from=<stage>).
  let targetIndex = df.stages.length - 1
  if (o.target !== undefined) {
    const t = df.stages.findIndex((s) => s.name === o.target!.toLowerCase())
    if (t < 0) throw new StoreError(Codes.BUILD_FAILED, `failed to solve: target stage "${o.target}" could not be found`)
    targetIndex = t
  }
  const stageRef = (ref: string, before: number): number | undefined => {
    const byName = df.stages.findIndex((s, i) => i < before && s.name === ref.toLowerCase())
    if (byName >= 0) return byName
    if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref)
    return undefined
  }
  const needed = new Set<number>()
  const need = (i: number) => {
    if (needed.has(i)) return
    needed.add(i)
    const s = df.stages[i]
    const from = P.expandInstruction(s.from, P.definedVars(meta), esc)
    const dep = stageRef(from.image, i)
    if (dep !== undefined) need(dep)
    for (const ins of s.instructions) {
      if (ins.kind === 'COPY' && ins.from !== undefined) {
        const d = stageRef(P.expand(ins.from, P.definedVars(meta), esc), i)
        if (d !== undefined) need(d)
      }
      if (ins.kind === 'RUN') {
        // `from` of a mount takes no variables (the parser refuses them), as in BuildKit.
        for (const m of ins.mounts) {
          const d = m.options.from === undefined ? undefined : stageRef(m.options.from, i)
          if (d !== undefined) need(d)
        }
      }
    }
  }
  need(targetIndex)
  const order = [...needed].sort((a, b) => a - b)
  // Refuse what store does not do before anything runs: flags, and a platform not the host's.
  for (const i of order) {
    const from = P.expandInstruction(df.stages[i].from, P.definedVars(meta), esc)
    if (from.platform !== undefined && !namesPlatform(from.platform, platform)) {
      throw unsupported(from.startLine, '--platform', `FROM --platform=${from.platform} is not supported: store builds for the host platform (${formatPlatform(platform)}) only`)
    }
    for (const ins of df.stages[i].instructions) refuseUnsupported(ins)
  }
  // Numbered steps per stage, as BuildKit counts them; the live view's header counts them all
  // (and the export) from the start.
  const fromCounts = (i: number) => {
    const image = P.expandInstruction(df.stages[i].from, P.definedVars(meta), esc).image
    return image !== 'scratch' && stageRef(image, i) === undefined
  }
  const totals = new Map(order.map((i) => [i, stageStepTotal(fromCounts(i), df.stages[i].instructions)]))
  progress.plan([...totals.values()].reduce((a, b) => a + b, 1))

  // Context: .dockerignore, hashes remembered between builds.
  let ignore: IgnoreFn = () => false
  if (o.context) {
    const text = await readFile(`${o.context}/.dockerignore`, 'utf8').catch(() => undefined)
    if (text !== undefined) {
      const m = P.createIgnoreMatcher(P.parseDockerignore(text))
      ignore = (rel, isDir) => m(rel, isDir)
    }
  }
  const hasher = new ContextHasher(store)
  await hasher.load()

  const release = await gcLease(store.layout)
  const later = new Later() // each RUN's container removal: beside the next RUN, or at the end
  const results = new Map<number, StageState>()
  const roots: { cleanup: () => Promise<void> }[] = []
  let steps = 0
  let extraSteps = 0
  let cachedSteps = 0
  try {
    for (const si of order) {
      const stage = df.stages[si]
      const from = P.expandInstruction(stage.from, P.definedVars(meta), esc)
      const st = await baseState(store, from.image, stageRef(from.image, si), results, now, sde !== undefined).catch((e) => {
        // A base that cannot be found fails on BuildKit's metadata step, before any numbered one.
        progress.step(`[internal] load metadata for ${from.image}`).error((e as Error).message)
        throw e
      })
      // The base image's ONBUILD triggers are steps of this stage too: counted, so no step is
      // numbered past the total (BuildKit leaves them out of it and shows `[3/2]`).
      const triggerSteps = stageStepTotal(false, (st.config.config.OnBuild ?? []).map((t) => ({ kind: t.trim().split(/\s+/)[0].toUpperCase() as P.Instruction['kind'] })))
      if (triggerSteps > 0) progress.plan([...totals.values()].reduce((a, b) => a + b, 1) + (extraSteps += triggerSteps))
      const titled = stepTitles(df.stages.length > 1 ? stage.name ?? `stage-${si}` : undefined, totals.get(si)! + triggerSteps)
      const step = (title: string) => {
        steps++
        return progress.step(title)
      }
      // FROM scratch or an earlier stage is no step of its own (BuildKit shows none).
      if (fromCounts(si)) step(titled(`FROM ${from.image}`)).done()
      const scope = new P.StageScope({ metaArgs: meta, buildArgs, env: st.config.config.Env ?? [], escapeChar: esc })
      // CMD/ENTRYPOINT across this stage's instructions (lib/image/configInstruction.ts).
      const configState: ConfigState = { cmdSet: false }
      let cacheValid = !o.noCache
      let pos = -1 // the instruction being dispatched (-1: the base image's ONBUILD triggers)
      const triggers = st.config.config.OnBuild ?? []
      st.config.config.OnBuild = undefined

      const snapshotsTopFirst = async () => (await storeSnapshots(store, st.layers)).dirs.reverse()
      // What the image has at a COPY/ADD destination: resolved inside the image's merged view
      // (an image symlink is followed inside the image, as BuildKit does, never on the host).
      let view: { top: Digest | undefined; view: MergedView } | undefined
      const currentView = async () => {
        const top = st.layers[st.layers.length - 1]?.chainId
        if (!view || view.top !== top) view = { top, view: mergedView(await snapshotsTopFirst()) }
        return view.view
      }
      const lower: LowerStat = async (path) => {
        const r = await resolveInRoot(await currentView(), path, { follow: true })
        return r.stat === undefined ? undefined : r.stat.isDirectory() ? 'dir' : 'other'
      }
      /** A COPY/ADD destination as BuildKit resolves it (fs.RootPath): through the image's links. */
      const inImage = async (path: string) => {
        const r = await resolveInRoot(await currentView(), path, { follow: true })
        return `/${r.rel}${path.endsWith('/') && r.rel !== '' ? '/' : ''}`
      }
      const shell = () => st.config.config.Shell ?? [...P.DEFAULT_SHELL]
      const workdir = () => st.config.config.WorkingDir || '/'
      const history = (instr: P.Instruction, emptyLayer: boolean, expanded: P.Instruction = instr) => {
        const createdBy = P.historyCreatedBy(expanded, { shell: shell(), args: scope.declaredArgs(), vars: scope.vars(), workdir: workdir() })
        if (createdBy === undefined) return
        const h: HistoryEntry = { created: st.created, created_by: createdBy, comment: P.HISTORY_COMMENT }
        if (emptyLayer) h.empty_layer = true
        st.config.history.push(h)
      }
      /**
       * Reuse a cached layer or make it; appends it to the stage. A layer made here that a later
       * step of the build stands on gets its snapshot in this step (`snapshot`: a COPY's, ADD's
       * or WORKDIR's; a RUN's committed its own), so its time shows here, not on the next line.
       */
      const layerStep = async (key: string, description: string, make: () => Promise<AddedLayer>, v: ReturnType<Progress['step']>, snapshot = false) => {
        const hit = cacheValid ? await cacheGet(store, key) : undefined
        if (hit) {
          st.layers.push(await store.layers.require(hit.chainId))
          st.config.rootfs.diff_ids.push(hit.diffId)
          if (sde === undefined) st.created = hit.created
          cachedSteps++
          v.cached()
          return
        }
        cacheValid = false // a miss invalidates every later step
        const made = await make()
        st.created = now()
        await cachePut(store, key, { chainId: made.record.chainId, diffId: made.record.diffId, created: st.created, description })
        st.layers.push(made.record)
        st.config.rootfs.diff_ids.push(made.record.diffId)
        if (snapshot && rootUsedLater()) await storeSnapshots(store, st.layers)
        v.done()
      }
      /** Whether a later step stands on this stage's layers: a RUN, COPY, ADD or WORKDIR after this one, or a later stage. */
      const rootUsedLater = () => si !== targetIndex || stage.instructions.slice(pos + 1).some((x) => x.kind === 'RUN' || x.kind === 'COPY' || x.kind === 'ADD' || x.kind === 'WORKDIR')
      const parentKey = () => (st.layers.length > 0 ? st.layers[st.layers.length - 1].chainId : 'scratch')
      const topKey = (layers: LayerRecord[]) => (layers.length > 0 ? layers[layers.length - 1].chainId : 'scratch')
      const mountSources: MountSources = {
        store, context: o.context, ignore, hasher, secrets: o.secrets ?? noSecrets,
        resolveFrom: async (ref) => {
          const idx = stageRef(ref, si)
          const stage = idx === undefined ? undefined : results.get(idx)
          if (stage) return { layers: stage.layers, key: topKey(stage.layers) }
          // A stage the build did not plan for (named only by an image's ONBUILD trigger).
          if (idx !== undefined) throw new StoreError(Codes.BUILD_FAILED, `failed to solve: stage ${ref} was not built`)
          if (ref === 'scratch') return { layers: [], key: 'scratch' }
          const id = await store.images.resolve(ref)
          if (!id) throw new StoreError(Codes.BUILD_FAILED, `failed to solve: ${ref}: image not found in the store`)
          const layers = await imageLayers(store, await getConfig(store, id))
          return { layers, key: topKey(layers) }
        },
      }
      /** The RUN's mounts with the stage's variables substituted, checked as BuildKit does. */
      const runMounts = (instr: P.RunInstruction): P.RunMountSpec[] =>
        instr.mounts.map((m) => {
          let spec: P.RunMountSpec
          try {
            spec = P.resolveRunMount(m.raw, (w) => P.expand(w, scope.vars(), esc), workdir())
          } catch (e) {
            P.atLine(instr.startLine, e)
          }
          refuseMount(instr.startLine, spec)
          const from = 'from' in spec ? spec.from : undefined
          if (from !== undefined && stageRef(from, si) === undefined && df.stages.some((s, i) => i >= si && s.name === from.toLowerCase())) {
            throw new StoreError(Codes.BUILD_FAILED, `cannot mount from stage "${from}" to "${'target' in spec ? spec.target : ''}", stage needs to be defined before current command`, { data: { line: instr.startLine } })
          }
          return spec
        })

      const dispatch = async (instr: P.Instruction, fromTrigger: boolean): Promise<void> => {
        if (o.signal?.aborted) throw canceledError()
        const c = st.config.config
        const title = () => titled(instr.original, fromTrigger)
        switch (instr.kind) {
          case 'ARG': {
            const decls = scope.declare(instr)
            history({ ...instr, args: decls }, true)
            return
          }
          case 'ENV': {
            const e = P.expandInstruction(instr, scope.vars(), esc)
            scope.setEnv(e.pairs)
            c.Env = scope.configEnv()
            history(e, true)
            return
          }
          case 'LABEL':
          case 'EXPOSE':
          case 'VOLUME':
          case 'USER':
          case 'STOPSIGNAL': {
            const e = P.expandInstruction(instr, scope.vars(), esc)
            applyConfigInstruction(st.config, e, configState)
            history(e, true)
            return
          }
          case 'MAINTAINER':
          case 'HEALTHCHECK':
          case 'SHELL':
          case 'CMD':
          case 'ENTRYPOINT':
          case 'ONBUILD':
            applyConfigInstruction(st.config, instr, configState)
            history(instr, true)
            return
          case 'WORKDIR': {
            const e = P.expandInstruction(instr, scope.vars(), esc)
            const path = normalizeAbs(e.path.startsWith('/') ? e.path : `${workdir()}/${e.path}`)
            const before = workdir()
            c.WorkingDir = path
            const kind = path === '/' ? 'dir' : await lower(path)
            if (kind === 'dir') {
              // No layer, but a numbered step all the same (BuildKit's mkdir of an existing dir).
              const v = step(title())
              if (cacheValid) v.cached()
              else v.done()
              history(e, true, { ...e, path: e.path.startsWith('/') ? e.path : `${before}/${e.path}` } as P.Instruction)
              return
            }
            const v = step(title())
            const owner = await ownerOf(c.User)
            await layerStep(cacheKey(store, [parentKey(), 'WORKDIR', path, c.User ?? '', sde?.toString()]), `WORKDIR ${path}`, async () => {
              const parts = path.split('/').filter(Boolean)
              const items = []
              for (let i = 1; i <= parts.length; i++) {
                const p = '/' + parts.slice(0, i).join('/')
                if (i < parts.length && (await lower(p)) === 'dir') continue
                items.push({ name: p.slice(1), source: '', stat: fakeDir(owner.uid, owner.gid, sde) })
              }
              return addLayer(store, st.layers.length > 0 ? st.layers[st.layers.length - 1].chainId : null, itemsTar(items, tarOpts))
            }, v, true)
            history(e, false)
            return
          }
          case 'RUN': {
            if (fromTrigger) refuseUnsupported(instr)
            const run = P.resolveRunCommand(instr, shell())
            const env = scope.runEnv()
            if (!env.some((x) => x.startsWith('PATH='))) env.unshift(DEFAULT_PATH)
            const specs = runMounts(instr)
            const v = step(title())
            const mounts = specs.length > 0 ? await planRunMounts(specs, mountSources) : undefined
            // `default` is the host's network too (no bridge yet): the same step as `host`.
            const network = instr.network === 'none' ? 'none' : 'host'
            // The mounts' definitions (and a bind source's content) and a network of its own are
            // part of the step, as in BuildKit's ExecOp; a step with neither keeps its old key.
            const extra = [...(network === 'none' ? ['network=none'] : []), ...(mounts?.keys ?? [])]
            const key = cacheKey(store, [parentKey(), 'RUN', JSON.stringify(run), env.join('\n'), workdir(), c.User ?? '', sde?.toString(), ...(extra.length > 0 ? [JSON.stringify(extra)] : [])])
            await layerStep(key, `RUN ${instr.original}`, async () => {
              try {
                return await runStep(store, {
                  layers: st.layers, config: c, argv: run.args, env, display: run.args.join(' '), inlineFile: run.inlineFile,
                  onOutput: v.output, tar: tarOpts, signal: o.signal, launcher: o.launcher, network, mounts, later,
                })
              } catch (err) {
                v.error((err as Error).message)
                throw err
              }
            }, v)
            history(instr, false)
            return
          }
          case 'COPY':
          case 'ADD': {
            if (fromTrigger) refuseUnsupported(instr)
            const e = P.expandInstruction(instr, scope.vars(), esc)
            const v = step(title())
            let sourceRoot: SourceRoot | undefined = o.context
            let keepOwner = false
            let fromKey = 'context'
            if (e.kind === 'COPY' && e.from !== undefined) {
              const ref = P.expand(e.from, P.definedVars(meta), esc)
              const idx = stageRef(ref, si)
              let layers: LayerRecord[]
              if (idx !== undefined) {
                layers = results.get(idx)!.layers
              } else {
                const id = await store.images.resolve(ref)
                if (!id) throw new StoreError(Codes.BUILD_FAILED, `failed to solve: ${ref}: image not found in the store`)
                layers = await imageLayers(store, await getConfig(store, id))
              }
              const m = await materialize(store, layers)
              roots.push(m)
              sourceRoot = m.dir
              keepOwner = true
              fromKey = layers.length > 0 ? layers[layers.length - 1].chainId : 'scratch'
            }
            // Heredoc sources: files in a temp dir, copied like context files.
            let inline: string | undefined
            const urls = e.kind === 'ADD' ? e.sources.filter(isRemoteSource) : []
            const sources = e.sources.filter((s) => !urls.includes(s))
            const checksum = e.kind === 'ADD' && e.checksum !== undefined ? checkedChecksum(e.checksum, e.sources.length + e.contents.length, urls.length) : undefined
            if (e.contents.length > 0) {
              inline = await mkdtemp(`${tmpdir()}/store-heredoc-`)
              roots.push({ cleanup: () => rm(inline!, { recursive: true, force: true }) })
              for (const h of e.contents) await writeFile(`${inline}/${h.name}`, h.data, { mode: 0o644 })
            }
            if (sources.length > 0 && !sourceRoot) {
              throw new StoreError(Codes.BUILD_FAILED, `${e.kind} failed: no build context (the Dockerfile came from stdin)`)
            }
            const chown = e.chown ? await resolveChown(e.chown) : undefined
            const chmod = e.chmod ? parseChmod(e.chmod, instr.startLine) : undefined
            const dest = e.dest.startsWith('/') ? e.dest : `${workdir().replace(/\/+$/, '')}/${e.dest}`
            const common = { dest: await inImage(dest), lower, keepOwner, chown, chmod, extractArchives: e.kind === 'ADD', multiple: e.sources.length + e.contents.length > 1 }
            const plans = []
            if (sources.length > 0) plans.push({ ...common, sourceRoot: sourceRoot!, sources, ignore: fromKey === 'context' ? ignore : () => false })
            if (inline) plans.push({ ...common, sourceRoot: inline, sources: e.contents.map((h) => h.name), ignore: () => false })
            const planned: { p: (typeof plans)[number]; plan: Awaited<ReturnType<typeof planCopy>> }[] = []
            for (const p of plans) planned.push({ p, plan: await planCopy(hasher, p) })
            const remote = new RemoteSources(store, urls, { checksum, signal: o.signal, onTempDir: (c) => roots.push({ cleanup: c }) })
            const key = cacheKey(store, [parentKey(), e.kind, dest, fromKey, ...planned.map((x) => x.plan.digest), ...(await remote.keys()), e.chown ?? '', e.chmod ?? '', sde?.toString()])
            await layerStep(key, `${e.kind} ${e.sources.join(' ')} ${e.dest}`, async () => {
              const layerOpts = { ...common, sourceRoot: '', sources: [], ignore: () => false }
              // Several plans (context, heredoc and URL sources) go into one layer: merge their
              // items; a parent dir two of them would create is written once.
              const items = uniqueDirs([...planned.flatMap((x) => x.plan.items), ...(await remote.items(layerOpts))])
              return copyLayer(store, st.layers, { items, digest: '' }, layerOpts, tarOpts)
            }, v, true)
            history(e, false)
            return
          }
          case 'FROM':
            return
        }
      }
      const ownerOf = async (user: string | undefined) => {
        if (!user) return { uid: 0, gid: 0 }
        const u = await resolveUser(await snapshotsTopFirst(), user)
        return { uid: u.uid, gid: u.gid }
      }
      const resolveChown = async (spec: string) => {
        const u = await resolveUser(await snapshotsTopFirst(), spec)
        return { uid: u.uid, gid: spec.includes(':') ? u.gid : u.gid }
      }

      for (const t of triggers) await dispatch(P.parseInstruction(t, stage.from.startLine, esc), true)
      for (const [i, instr] of stage.instructions.entries()) {
        pos = i
        await dispatch(instr, false)
      }
      results.set(si, st)
    }
  } catch (e) {
    await later.drain()
    await release()
    throw e
  } finally {
    await later.drain()
    for (const r of roots) await r.cleanup().catch(() => {})
    await hasher.save().catch(() => {})
  }

  // Still under the lease: a prune between the last step and the image record would drop the
  // build cache, the only root of the new layers, and sweep them under the image.
  try {
    const final = results.get(targetIndex)!
    const config = final.config
    if (o.labels && Object.keys(o.labels).length > 0) config.config.Labels = { ...(config.config.Labels ?? {}), ...o.labels }
    config.created = final.created
    if (o.signal?.aborted) throw canceledError() // nothing is tagged after a Ctrl-C
    const w = progress.step('exporting to image')
    const id = await putImage(store, config, { tags })
    w.note(`writing image ${id} done`)
    for (const t of tags) w.note(`naming to ${t} done`)
    w.done()
    return { id, tags, steps, cached: cachedSteps }
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

function uniqueDirs(items: CopyItem[]): CopyItem[] {
  const seen = new Set<string>()
  return items.filter((it) => it.abs !== '' || (!seen.has(it.name) && seen.add(it.name)))
}

function normalizeAbs(p: string): string {
  const out: string[] = []
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return '/' + out.join('/')
}

function parseChmod(s: string, line: number): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw new StoreError(Codes.DOCKERFILE_PARSE, `dockerfile parse error on line ${line}: invalid chmod parameter: ${s}`)
  return Number.parseInt(s, 8)
}

function fakeDir(uid: number, gid: number, sde?: number) {
  const mtimeMs = (sde ?? Math.floor(Date.now() / 1000)) * 1000
  return { mode: 0o40755, uid, gid, mtimeMs, size: 0, nlink: 1, isDirectory: () => true, isFile: () => false, isSymbolicLink: () => false, isCharacterDevice: () => false, isBlockDevice: () => false, isFIFO: () => false } as any
}
