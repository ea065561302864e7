// One logical line → one typed instruction, and parseInstruction() for single instructions
// given as text (ONBUILD triggers stored in an image config, `--change` style input).

import { Fail, atLine, parseError } from './_fail.js'
import { parseFlags } from './_flags.js'
import { logicalLines, type LogicalLine } from './_lines.js'
import { maybeJson, maybeJsonList, splitCommand } from './_words.js'
import {
  buildArg, buildCmd, buildEntrypoint, buildEnv, buildExpose, buildFrom, buildLabel, buildMaintainer,
  buildShell, buildStopsignal, buildUser, buildVolume, buildWorkdir, type BuildCtx,
} from './_commands.js'
import { buildRun } from './_run.js'
import { buildAdd, buildCopy } from './_copy.js'
import { buildHealthcheck } from './_healthcheck.js'
import type { EscapeChar, Instruction, InstructionKind } from './types.js'

export const INSTRUCTION_KINDS: readonly InstructionKind[] = [
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT',
  'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]

/** Whether a logical line takes heredoc bodies: RUN/COPY/ADD in shell form, or ONBUILD of one. */
export function wantsHeredocs(line: string, nested = false): boolean {
  const { cmd, args } = splitCommand(line)
  const kind = cmd.toUpperCase()
  if (kind === 'ONBUILD' && !nested) return wantsHeredocs(args, true)
  if (kind !== 'RUN' && kind !== 'COPY' && kind !== 'ADD') return false
  try {
    return !(kind === 'RUN' ? maybeJson(args) : maybeJsonList(args)).json
  } catch {
    return false // a bad JSON array fails later, with its own message
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]
    d[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return d[b.length]
}

function suggestion(word: string): string | undefined {
  const w = word.toUpperCase()
  let best: string | undefined
  let bestD = Infinity
  for (const k of INSTRUCTION_KINDS) {
    const dd = distance(w, k)
    if (dd < bestD) [best, bestD] = [k, dd]
  }
  return best && bestD <= Math.max(1, Math.floor(w.length / 3)) ? `did you mean ${best}?` : undefined
}

const ONBUILD_PREFIX = /^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i

function build(ll: LogicalLine, esc: EscapeChar): Instruction {
  const split = splitCommand(ll.text)
  const ctx: BuildCtx = {
    split,
    esc,
    base: { startLine: ll.startLine, endLine: ll.endLine, original: ll.text, flags: split.flags },
  }
  switch (split.cmd.toUpperCase()) {
    case 'FROM': return buildFrom(ctx)
    case 'RUN': return buildRun(ctx, ll.heredocs)
    case 'CMD': return buildCmd(ctx)
    case 'ENTRYPOINT': return buildEntrypoint(ctx)
    case 'SHELL': return buildShell(ctx)
    case 'ENV': return buildEnv(ctx)
    case 'LABEL': return buildLabel(ctx)
    case 'ARG': return buildArg(ctx)
    case 'MAINTAINER': return buildMaintainer(ctx)
    case 'EXPOSE': return buildExpose(ctx)
    case 'COPY': return buildCopy(ctx, ll.heredocs)
    case 'ADD': return buildAdd(ctx, ll.heredocs)
    case 'VOLUME': return buildVolume(ctx)
    case 'USER': return buildUser(ctx)
    case 'WORKDIR': return buildWorkdir(ctx)
    case 'STOPSIGNAL': return buildStopsignal(ctx)
    case 'HEALTHCHECK': return buildHealthcheck(ctx)
    case 'ONBUILD': {
      if (split.args === '') throw new Fail('ONBUILD requires at least one argument')
      parseFlags(split.flags, {})
      const inner = splitCommand(split.args).cmd.toUpperCase()
      if (inner === 'ONBUILD') throw new Fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
      if (inner === 'MAINTAINER' || inner === 'FROM') throw new Fail(`${inner} isn't allowed as an ONBUILD trigger`)
      // What the image config stores: the line without ONBUILD (and without the `--` that ends
      // its flags: the stored trigger must read back as the instruction parsed here), then
      // each body and terminator.
      const rest = ll.text.replace(ONBUILD_PREFIX, '')
      let trigger = rest.startsWith('--') ? split.args : rest
      for (const h of ll.heredocs) trigger += '\n' + h.content + h.name
      const instruction = build({ ...ll, text: split.args }, esc)
      return { ...ctx.base, kind: 'ONBUILD', trigger, instruction }
    }
  }
  throw new Fail(`unknown instruction: ${split.cmd}`, suggestion(split.cmd))
}

/** @internal Parse one logical line; errors carry its start line. */
export function parseLogicalLine(ll: LogicalLine, esc: EscapeChar): Instruction {
  try {
    return build(ll, esc)
  } catch (e) {
    return atLine(ll.startLine, e)
  }
}

/**
 * Parse text holding exactly one instruction (with its continuation lines and heredoc
 * bodies), numbering its first line `lineNo`. This is how an ONBUILD trigger from a base
 * image's config is read back when a FROM uses that image; pass the FROM's line.
 */
export function parseInstruction(text: string, lineNo = 1, escapeChar: EscapeChar = '\\'): Instruction {
  const lx = logicalLines(text, (l) => wantsHeredocs(l), lineNo, escapeChar)
  if (lx.lines.length === 0) throw parseError(lineNo, 'file with no instructions')
  if (lx.lines.length > 1) throw parseError(lineNo, 'onbuild trigger should be a single expression')
  return parseLogicalLine(lx.lines[0], lx.escapeChar)
}
