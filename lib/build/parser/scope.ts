// ARG and ENV scoping for the executor, as Docker documents it:
//  - ARGs before the first FROM (meta ARGs) serve FROM lines only; inside a stage,
//    `ARG NAME` without a default inherits the meta value;
//  - an ARG is visible from its line on, within its stage only;
//  - a --build-arg value overrides an ARG's default (it is never expanded);
//  - ENV beats ARG of the same name, wherever each was declared;
//  - ARG values reach RUN's environment but not the image config.
// Usage, per stage:
//   const meta = resolveMetaArgs(df.metaArgs, buildArgs, df.escapeChar, platformArgs)
//   const from = expandInstruction(stage.from, definedVars(meta), df.escapeChar)
//   const scope = new StageScope({ metaArgs: meta, buildArgs, env: baseConfig.Env, escapeChar })
//   ARG → scope.declare(instr); ENV → scope.setEnv(expandInstruction(instr, scope.vars()).pairs)
//   others → expandInstruction(instr, scope.vars()); RUN env → scope.runEnv()

import { atLine } from './_fail.js'
import { expand, lookupOf, type Vars } from './expand.js'
import type { ArgDeclaration, ArgInstruction, EscapeChar, KeyValue } from './types.js'

/** Meta ARG name → value; undefined when declared without a value. */
export type MetaArgs = ReadonlyMap<string, string | undefined>

/** The names with a value, as variables for expand(). */
export function definedVars(args: MetaArgs): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of args) if (v !== undefined) out.set(k, v)
  return out
}

/**
 * Evaluate the meta ARGs in order: a --build-arg wins, else the default expanded with the
 * meta ARGs before it, else the `predefined` value (BuildKit's automatic BUILDPLATFORM,
 * TARGETPLATFORM, … which FROM may use without declaring them), else unset.
 */
export function resolveMetaArgs(
  metaArgs: readonly ArgInstruction[],
  buildArgs: Vars = {},
  escapeChar: EscapeChar = '\\',
  predefined: Vars = {},
): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>()
  const pre = predefined instanceof Map ? [...predefined] : Object.entries(predefined)
  for (const [k, v] of pre) out.set(k, v)
  const fromBuild = lookupOf(buildArgs)
  for (const instr of metaArgs) {
    for (const d of instr.args) {
      const given = fromBuild(d.key)
      let value: string | undefined
      if (given !== undefined) value = given
      else if (d.value !== undefined) {
        try {
          value = expand(d.value, definedVars(out), escapeChar)
        } catch (e) {
          atLine(instr.startLine, e)
        }
      } else value = out.get(d.key)
      out.set(d.key, value)
    }
  }
  return out
}

export interface StageScopeOptions {
  /** resolveMetaArgs(): `ARG NAME` without a default inherits from it. */
  metaArgs?: MetaArgs
  /** --build-arg values. */
  buildArgs?: Vars
  /** The base image's config Env, `KEY=VALUE` entries. */
  env?: readonly string[]
  escapeChar?: EscapeChar
}

/** Variables of one stage while its instructions are dispatched in order. */
export class StageScope {
  private readonly env = new Map<string, string>()
  private readonly args = new Map<string, string | undefined>()
  private readonly buildArg: (name: string) => string | undefined

  constructor(private readonly opts: StageScopeOptions = {}) {
    for (const e of opts.env ?? []) {
      const eq = e.indexOf('=')
      this.env.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1))
    }
    this.buildArg = lookupOf(opts.buildArgs ?? {})
  }

  /**
   * Apply an ARG instruction. Returns its names with the values they took (undefined: no
   * value), which is what BuildKit records in the history line `ARG NAME=value`.
   */
  declare(instr: ArgInstruction): ArgDeclaration[] {
    const out: ArgDeclaration[] = []
    for (const d of instr.args) {
      let value: string | undefined
      const given = this.buildArg(d.key)
      if (given !== undefined) value = given
      else if (d.value !== undefined) {
        try {
          value = expand(d.value, this.vars(), this.opts.escapeChar ?? '\\')
        } catch (e) {
          atLine(instr.startLine, e)
        }
      } else value = this.opts.metaArgs?.get(d.key)
      this.args.delete(d.key) // re-declaring moves it to the end, as a new declaration
      this.args.set(d.key, value)
      out.push(value === undefined ? { key: d.key } : { key: d.key, value })
    }
    return out
  }

  /** Apply an ENV instruction whose pairs are already expanded (expandInstruction). */
  setEnv(pairs: readonly KeyValue[]): void {
    for (const p of pairs) this.env.set(p.key, p.value) // an existing key keeps its place
  }

  /** What `$NAME` sees: ARG values, overridden by ENV of the same name. */
  vars(): Map<string, string> {
    const out = new Map<string, string>()
    for (const [k, v] of this.args) if (v !== undefined) out.set(k, v)
    for (const [k, v] of this.env) out.set(k, v)
    return out
  }

  /** The image config's Env: ENV only, `KEY=VALUE`, in order. */
  configEnv(): string[] {
    return [...this.env].map(([k, v]) => `${k}=${v}`)
  }

  /** The environment of a RUN: the config Env plus ARG values no ENV shadows. */
  runEnv(): string[] {
    const out = this.configEnv()
    for (const [k, v] of this.args) if (v !== undefined && !this.env.has(k)) out.push(`${k}=${v}`)
    return out
  }

  /** ARGs declared in this stage so far, in order (history `|N K=V` and cache keys). */
  declaredArgs(): ArgDeclaration[] {
    return [...this.args].map(([key, value]) => (value === undefined ? { key } : { key, value }))
  }

  /** An independent copy (e.g. to try an ONBUILD trigger without committing to it). */
  clone(): StageScope {
    const c = new StageScope(this.opts)
    c.env.clear()
    for (const [k, v] of this.env) c.env.set(k, v)
    for (const [k, v] of this.args) c.args.set(k, v)
    return c
  }
}
