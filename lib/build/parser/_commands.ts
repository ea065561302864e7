// Instruction builders for the instructions without heredocs or many flags. Each takes the
// split line and returns the typed instruction; checks and messages follow BuildKit's
// instructions/parse.go, in the same order (argument shape first, then flags).

import { Fail } from './_fail.js'
import { parseFlags } from './_flags.js'
import { goQuote, splitWhitespace2, trimSpace } from './_text.js'
import { maybeJson, maybeJsonList, parseWords, whitespaceList, type SplitLine } from './_words.js'
import type {
  ArgInstruction, CmdInstruction, CommandLine, EntrypointInstruction, EnvInstruction, EscapeChar,
  ExposeInstruction, FromInstruction, InstructionBase, KeyValue, LabelInstruction, MaintainerInstruction,
  ShellInstruction, StopsignalInstruction, UserInstruction, VolumeInstruction, WorkdirInstruction,
} from './types.js'

export interface BuildCtx {
  split: SplitLine
  base: InstructionBase
  esc: EscapeChar
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/

export function buildFrom({ split, base }: BuildCtx): FromInstruction {
  const args = whitespaceList(split.args)
  let name: string | undefined
  if (args.length === 3 && args[1].toLowerCase() === 'as') {
    name = args[2].toLowerCase()
    if (!STAGE_NAME.test(name)) {
      throw new Fail(`invalid name for build stage: ${goQuote(args[2])}, name can't start with a number or contain symbols`)
    }
  } else if (args.length !== 1) {
    throw new Fail('FROM requires either one or three arguments')
  }
  const flags = parseFlags(base.flags, { platform: 'string' })
  const out: FromInstruction = { ...base, kind: 'FROM', image: args[0] }
  if (name !== undefined) out.name = name
  if (flags.string.platform !== undefined) out.platform = flags.string.platform
  return out
}

/** RUN/CMD/ENTRYPOINT command: exec form for a JSON array, else the rest as one shell command. */
export function commandLine(rest: string): CommandLine {
  const { json, args } = maybeJson(rest)
  return json ? { form: 'exec', args } : { form: 'shell', command: args.join(' ') }
}

export function buildCmd({ split, base }: BuildCtx): CmdInstruction {
  const cmd = commandLine(split.args)
  parseFlags(base.flags, {})
  return { ...base, kind: 'CMD', cmd }
}

export function buildEntrypoint({ split, base }: BuildCtx): EntrypointInstruction {
  const cmd = commandLine(split.args)
  parseFlags(base.flags, {})
  return { ...base, kind: 'ENTRYPOINT', cmd }
}

export function buildShell({ split, base }: BuildCtx): ShellInstruction {
  const { json, args } = maybeJson(split.args)
  parseFlags(base.flags, {})
  if (json && args.length === 0) throw new Fail('SHELL requires at least one argument')
  if (!json) throw new Fail('SHELL requires the arguments to be in JSON form')
  return { ...base, kind: 'SHELL', shell: args }
}

// parseNameVal: `key=value …`, or the legacy `KEY value with spaces` when the first word has
// no `=`. Values keep their quotes and escapes: expansion removes them.
function nameValues(rest: string, cmd: 'ENV' | 'LABEL', esc: EscapeChar): { pairs: KeyValue[]; legacy: boolean } {
  const words = parseWords(rest, esc)
  if (words.length === 0) throw new Fail(`${cmd} requires at least one argument`)
  let pairs: KeyValue[]
  let legacy = false
  if (!words[0].includes('=')) {
    const parts = splitWhitespace2(rest)
    if (parts.length === 1) throw new Fail(`${cmd} must have two arguments`)
    pairs = [{ key: parts[0], value: parts[1] }]
    legacy = true
  } else {
    pairs = words.map((w) => {
      const eq = w.indexOf('=')
      if (eq < 0) throw new Fail(`Syntax error - can't find = in ${goQuote(w)}. Must be of the form: name=value`)
      return { key: w.slice(0, eq), value: w.slice(eq + 1) }
    })
  }
  return { pairs, legacy }
}

export function buildEnv({ split, base, esc }: BuildCtx): EnvInstruction {
  const { pairs, legacy } = nameValues(split.args, 'ENV', esc)
  parseFlags(base.flags, {})
  if (pairs.some((p) => p.key === '')) throw new Fail('ENV names can not be blank')
  return { ...base, kind: 'ENV', pairs, legacy }
}

export function buildLabel({ split, base, esc }: BuildCtx): LabelInstruction {
  const { pairs, legacy } = nameValues(split.args, 'LABEL', esc)
  parseFlags(base.flags, {})
  if (pairs.some((p) => p.key === '')) throw new Fail('LABEL names can not be blank')
  return { ...base, kind: 'LABEL', pairs, legacy }
}

// ARG takes `NAME` or `NAME=default`, several per line. BuildKit does not check its flags.
export function buildArg({ split, base, esc }: BuildCtx): ArgInstruction {
  const words = parseWords(split.args, esc)
  if (words.length === 0) throw new Fail('ARG requires at least one argument')
  const args = words.map((w) => {
    const eq = w.indexOf('=')
    if (eq < 0) return { key: w }
    if (eq === 0) throw new Fail('ARG names can not be blank')
    return { key: w.slice(0, eq), value: w.slice(eq + 1) }
  })
  return { ...base, kind: 'ARG', args }
}

// parseString: the whole rest is the one argument (spaces included).
function single(rest: string, cmd: string): string {
  if (rest === '') throw new Fail(`${cmd} requires exactly one argument`)
  return rest
}

export function buildMaintainer({ split, base }: BuildCtx): MaintainerInstruction {
  const maintainer = single(split.args, 'MAINTAINER')
  parseFlags(base.flags, {})
  return { ...base, kind: 'MAINTAINER', maintainer }
}

export function buildUser({ split, base }: BuildCtx): UserInstruction {
  const user = single(split.args, 'USER')
  parseFlags(base.flags, {})
  return { ...base, kind: 'USER', user }
}

export function buildWorkdir({ split, base }: BuildCtx): WorkdirInstruction {
  const path = single(split.args, 'WORKDIR')
  parseFlags(base.flags, {})
  return { ...base, kind: 'WORKDIR', path }
}

// BuildKit does not check STOPSIGNAL's flags either.
export function buildStopsignal({ split, base }: BuildCtx): StopsignalInstruction {
  return { ...base, kind: 'STOPSIGNAL', signal: single(split.args, 'STOPSIGNAL') }
}

export function buildExpose({ split, base }: BuildCtx): ExposeInstruction {
  const ports = whitespaceList(split.args)
  if (ports.length === 0) throw new Fail('EXPOSE requires at least one argument')
  parseFlags(base.flags, {})
  // Go's sort.Strings compares bytes; for ports this is plain code unit order.
  return { ...base, kind: 'EXPOSE', ports: [...ports].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) }
}

export function buildVolume({ split, base }: BuildCtx): VolumeInstruction {
  const { args } = maybeJsonList(split.args)
  if (args.length === 0) throw new Fail('VOLUME requires at least one argument')
  parseFlags(base.flags, {})
  const volumes = args.map((v) => {
    const t = trimSpace(v)
    if (t === '') throw new Fail('VOLUME specified can not be an empty string')
    return t
  })
  return { ...base, kind: 'VOLUME', volumes }
}
