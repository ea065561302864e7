// The builder's step table: one handler per Dockerfile instruction, each given its stage
// (stage.ts) and the instruction as parsed. ARG and ENV change the stage's variables; the
// config instructions go through applyConfigInstruction, shared with `import`/`commit
// --change`; WORKDIR, RUN, COPY and ADD are numbered steps that reuse a cached layer or make
// one (layerStep). A base image's ONBUILD trigger is dispatched here too (`fromTrigger`).

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { Codes, StoreError } from '../errors.js'
import { addLayer } from '../image/create.js'
import { DEFAULT_PATH } from '../image/model.js'
import { itemsTar, type LayerRecord } from '../layer/index.js'
import { applyConfigInstruction } from '../image/configInstruction.js'
import * as P from './parser/index.js'
import { cacheKey } from './cache.js'
import type { SourceRoot } from './context.js'
import { copyLayer, planCopy, type CopyItem } from './copyStep.js'
import { canceledError, runStep } from './runStep.js'
import { RemoteSources, checkedChecksum, isRemoteSource } from './remote.js'
import { materialize } from './stageRoot.js'
import { planRunMounts } from './runMount/index.js'
import { refuseUnsupported } from './unsupported.js'
import type { StageBuild } from './stage.js'

type Of<K extends P.InstructionKind> = Extract<P.Instruction, { kind: K }>
type Handler<K extends P.InstructionKind> = (s: StageBuild, instr: Of<K>, fromTrigger: boolean) => Promise<void> | void

/** Config instructions whose words take the stage's variables. */
function expandedConfig(s: StageBuild, instr: Of<'LABEL' | 'EXPOSE' | 'VOLUME' | 'USER' | 'STOPSIGNAL'>): void {
  const e = P.expandInstruction(instr, s.scope.vars(), s.esc)
  applyConfigInstruction(s.st.config, e, s.configState)
  s.history(e, true)
}

/** Config instructions taken as written. */
function rawConfig(s: StageBuild, instr: Of<'MAINTAINER' | 'HEALTHCHECK' | 'SHELL' | 'CMD' | 'ENTRYPOINT' | 'ONBUILD'>): void {
  applyConfigInstruction(s.st.config, instr, s.configState)
  s.history(instr, true)
}

const STEPS: { [K in P.InstructionKind]: Handler<K> } = {
  FROM: () => {},
  ARG: (s, instr) => {
    const decls = s.scope.declare(instr)
    s.history({ ...instr, args: decls }, true)
  },
  ENV: (s, instr) => {
    const e = P.expandInstruction(instr, s.scope.vars(), s.esc)
    s.scope.setEnv(e.pairs)
    s.st.config.config.Env = s.scope.configEnv()
    s.history(e, true)
  },
  LABEL: expandedConfig,
  EXPOSE: expandedConfig,
  VOLUME: expandedConfig,
  USER: expandedConfig,
  STOPSIGNAL: expandedConfig,
  MAINTAINER: rawConfig,
  HEALTHCHECK: rawConfig,
  SHELL: rawConfig,
  CMD: rawConfig,
  ENTRYPOINT: rawConfig,
  ONBUILD: rawConfig,
  WORKDIR: workdirStep,
  RUN: runInstruction,
  COPY: copyStep,
  ADD: copyStep,
}

/** Runs one instruction of stage `s`. */
export async function dispatch(s: StageBuild, instr: P.Instruction, fromTrigger: boolean): Promise<void> {
  if (s.run.o.signal?.aborted) throw canceledError()
  await (STEPS[instr.kind] as Handler<P.InstructionKind>)(s, instr, fromTrigger)
}

async function workdirStep(s: StageBuild, instr: Of<'WORKDIR'>, fromTrigger: boolean): Promise<void> {
  const c = s.st.config.config
  const e = P.expandInstruction(instr, s.scope.vars(), s.esc)
  const path = normalizeAbs(e.path.startsWith('/') ? e.path : `${s.workdir()}/${e.path}`)
  const before = s.workdir()
  c.WorkingDir = path
  const kind = path === '/' ? 'dir' : await s.lower(path)
  const v = s.step(s.title(instr, fromTrigger))
  if (kind === 'dir') {
    // No layer, but a numbered step all the same (BuildKit's mkdir of an existing dir).
    if (s.cacheValid) v.cached()
    else v.done()
    s.history(e, true, { ...e, path: e.path.startsWith('/') ? e.path : `${before}/${e.path}` })
    return
  }
  const owner = await s.owner(c.User)
  const sde = s.sde
  await s.layerStep(cacheKey(s.store, [s.parentKey(), 'WORKDIR', path, c.User ?? '', sde?.toString()]), `WORKDIR ${path}`, async () => {
    const parts = path.split('/').filter(Boolean)
    const items = []
    for (let i = 1; i <= parts.length; i++) {
      const p = '/' + parts.slice(0, i).join('/')
      if (i < parts.length && (await s.lower(p)) === 'dir') continue
      items.push({ name: p.slice(1), source: '', stat: fakeDir(owner.uid, owner.gid, sde) })
    }
    return addLayer(s.store, s.st.layers.length > 0 ? s.st.layers[s.st.layers.length - 1].chainId : null, itemsTar(items, s.run.tarOpts))
  }, v, true)
  s.history(e, false)
}

async function runInstruction(s: StageBuild, instr: Of<'RUN'>, fromTrigger: boolean): Promise<void> {
  if (fromTrigger) refuseUnsupported(instr)
  const { o } = s.run
  const c = s.st.config.config
  const run = P.resolveRunCommand(instr, s.shell())
  const env = s.scope.runEnv()
  if (!env.some((x) => x.startsWith('PATH='))) env.unshift(DEFAULT_PATH)
  const specs = s.runMounts(instr)
  const v = s.step(s.title(instr, fromTrigger))
  const mounts = specs.length > 0 ? await planRunMounts(specs, s.mountSources) : undefined
  // `default`: the default bridge as root (as Docker's builders give a RUN a namespace of its
  // own with NAT), the host's rootless (no bridge without root).
  const mode = instr.network ?? s.run.o.network ?? 'default'
  const network = mode === 'none' ? 'none' : mode === 'host' || process.getuid?.() !== 0 ? 'host' : 'bridge'
  // The mounts' definitions (and a bind source's content) and a network mode other than the
  // default are part of the step, as in BuildKit's ExecOp; a step with neither keeps its old key.
  const extra = [...(mode !== 'default' ? [`network=${mode}`] : []), ...(mounts?.keys ?? [])]
  const key = cacheKey(s.store, [s.parentKey(), 'RUN', JSON.stringify(run), env.join('\n'), s.workdir(), c.User ?? '', s.sde?.toString(), ...(extra.length > 0 ? [JSON.stringify(extra)] : [])])
  await s.layerStep(key, `RUN ${instr.original}`, async () => {
    try {
      return await runStep(s.store, {
        layers: s.st.layers, config: c, argv: run.args, env, display: run.args.join(' '), inlineFile: run.inlineFile,
        onOutput: v.output, tar: s.run.tarOpts, signal: o.signal, launcher: o.launcher, network, mounts, later: s.run.later,
      })
    } catch (err) {
      v.error((err as Error).message)
      throw err
    }
  }, v)
  s.history(instr, false)
}

async function copyStep(s: StageBuild, instr: Of<'COPY' | 'ADD'>, fromTrigger: boolean): Promise<void> {
  if (fromTrigger) refuseUnsupported(instr)
  const { o, plan, roots } = s.run
  const e = P.expandInstruction(instr, s.scope.vars(), s.esc)
  const v = s.step(s.title(instr, fromTrigger))
  let sourceRoot: SourceRoot | undefined = o.context
  let keepOwner = false
  let fromKey = 'context'
  if (e.kind === 'COPY' && e.from !== undefined) {
    const ref = P.expand(e.from, P.definedVars(plan.meta), s.esc)
    const idx = plan.stageRef(ref, s.si)
    const layers: LayerRecord[] = idx !== undefined ? s.run.results.get(idx)!.layers : await s.imageLayers(ref)
    const m = await materialize(s.store, layers)
    roots.push(m)
    sourceRoot = m.dir
    keepOwner = true
    fromKey = layers.length > 0 ? layers[layers.length - 1].chainId : 'scratch'
  }
  // Heredoc sources: files in a temp dir, copied like context files.
  let inline: string | undefined
  const urls = e.kind === 'ADD' ? e.sources.filter(isRemoteSource) : []
  const sources = e.sources.filter((x) => !urls.includes(x))
  const checksum = e.kind === 'ADD' && e.checksum !== undefined ? checkedChecksum(e.checksum, e.sources.length + e.contents.length, urls.length) : undefined
  for (const h of e.contents) {
    // A heredoc's name is a file name in our temp dir, never a path: `<<../../x` wrote there.
    if (h.name === '' || h.name === '.' || h.name === '..' || /[/\0]/.test(h.name)) {
      throw new StoreError(Codes.DOCKERFILE_PARSE, `dockerfile parse error on line ${instr.startLine}: heredoc name ${JSON.stringify(h.name)} is not a file name`)
    }
  }
  if (e.contents.length > 0) {
    inline = await mkdtemp(`${tmpdir()}/store-heredoc-`)
    roots.push({ cleanup: () => rm(inline!, { recursive: true, force: true }) })
    for (const h of e.contents) await writeFile(`${inline}/${h.name}`, h.data, { mode: 0o644, flag: 'w' })
  }
  if (sources.length > 0 && !sourceRoot) {
    throw new StoreError(Codes.BUILD_FAILED, `${e.kind} failed: no build context (the Dockerfile came from stdin)`)
  }
  const chown = e.chown ? await s.owner(e.chown) : undefined
  const chmod = e.chmod ? parseChmod(e.chmod, instr.startLine) : undefined
  const dest = e.dest.startsWith('/') ? e.dest : `${s.workdir().replace(/\/+$/, '')}/${e.dest}`
  const common = { dest: await s.inImage(dest), lower: s.lower, keepOwner, chown, chmod, extractArchives: e.kind === 'ADD', multiple: e.sources.length + e.contents.length > 1 }
  const plans = []
  if (sources.length > 0) plans.push({ ...common, sourceRoot: sourceRoot!, sources, ignore: fromKey === 'context' ? s.run.ignore : () => false })
  if (inline) plans.push({ ...common, sourceRoot: inline, sources: e.contents.map((h) => h.name), ignore: () => false })
  const planned: { p: (typeof plans)[number]; plan: Awaited<ReturnType<typeof planCopy>> }[] = []
  for (const p of plans) planned.push({ p, plan: await planCopy(s.run.hasher, p) })
  const remote = new RemoteSources(s.store, urls, { checksum, signal: o.signal, onTempDir: (c) => roots.push({ cleanup: c }) })
  const key = cacheKey(s.store, [s.parentKey(), e.kind, dest, fromKey, ...planned.map((x) => x.plan.digest), ...(await remote.keys()), e.chown ?? '', e.chmod ?? '', s.sde?.toString()])
  await s.layerStep(key, `${e.kind} ${e.sources.join(' ')} ${e.dest}`, async () => {
    const layerOpts = { ...common, sourceRoot: '', sources: [], ignore: () => false }
    // Several plans (context, heredoc and URL sources) go into one layer: merge their
    // items; a parent dir two of them would create is written once.
    const items = uniqueDirs([...planned.flatMap((x) => x.plan.items), ...(await remote.items(layerOpts))])
    return copyLayer(s.store, s.st.layers, { items, digest: '' }, layerOpts, s.run.tarOpts)
  }, v, true)
  s.history(e, false)
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
