// Stage planning: which stages a build runs (the target and what it needs: FROM <stage>,
// COPY --from=<stage>, RUN --mount=from=<stage>), in Dockerfile order, and how many numbered
// steps each has, as BuildKit counts them. What store does not do (a flag, another platform) is
// refused here, before any step runs.

import { Codes, StoreError } from '../errors.js'
import * as P from './parser/index.js'
import { refuseUnsupported, unsupported } from './unsupported.js'
import { formatPlatform, namesPlatform, type Platform } from '../platform.js'
import { stageStepTotal } from './stepTitles.js'

export interface BuildPlan {
  df: P.Dockerfile
  meta: P.MetaArgs
  /** The stage built (`--target`, else the last). */
  targetIndex: number
  /** The stages to build, in Dockerfile order. */
  order: number[]
  /** Numbered steps per stage planned (the base image's ONBUILD triggers come on top). */
  totals: Map<number, number>
  /** The stage `ref` names (its name or index) among those before `before`. */
  stageRef(ref: string, before: number): number | undefined
  /** Stage `i`'s FROM with the meta ARGs substituted. */
  from(i: number): P.FromInstruction
  /** Whether stage `i`'s FROM is a numbered step (an image; not scratch, not an earlier stage). */
  fromCounts(i: number): boolean
}

export function planBuild(df: P.Dockerfile, meta: P.MetaArgs, target: string | undefined, platform: Platform): BuildPlan {
  const esc = df.escapeChar
  const from = (i: number) => P.expandInstruction(df.stages[i].from, P.definedVars(meta), esc)
  let targetIndex = df.stages.length - 1
  if (target !== undefined) {
    const t = df.stages.findIndex((s) => s.name === target.toLowerCase())
    if (t < 0) throw new StoreError(Codes.BUILD_FAILED, `failed to solve: target stage "${target}" could not be found`)
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
    const dep = stageRef(from(i).image, i)
    if (dep !== undefined) need(dep)
    for (const ins of df.stages[i].instructions) {
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
  for (const i of order) {
    const f = from(i)
    if (f.platform !== undefined && !namesPlatform(f.platform, platform)) {
      throw unsupported(f.startLine, '--platform', `FROM --platform=${f.platform} is not supported: store builds for the host platform (${formatPlatform(platform)}) only`)
    }
    for (const ins of df.stages[i].instructions) refuseUnsupported(ins)
  }
  const fromCounts = (i: number) => {
    const image = from(i).image
    return image !== 'scratch' && stageRef(image, i) === undefined
  }
  const totals = new Map(order.map((i) => [i, stageStepTotal(fromCounts(i), df.stages[i].instructions)]))
  return { df, meta, targetIndex, order, totals, stageRef, from, fromCounts }
}
