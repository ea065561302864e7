// parseDockerfile: text → directives, meta ARGs and stages. Pure and synchronous.

import { parseError } from './_fail.js'
import { logicalLines } from './_lines.js'
import { parseLogicalLine, wantsHeredocs } from './instruction.js'
import type { ArgInstruction, Dockerfile, Stage } from './types.js'

/**
 * Parse a Dockerfile. Throws StoreError(DOCKERFILE_PARSE) with
 * "dockerfile parse error on line N: <what>" and `data.line` = N for the first problem.
 */
export function parseDockerfile(text: string): Dockerfile {
  const lx = logicalLines(text, (l) => wantsHeredocs(l))
  if (lx.lines.length === 0) throw parseError(Math.max(1, lx.lineCount), 'file with no instructions')
  const metaArgs: ArgInstruction[] = []
  const stages: Stage[] = []
  const warnings = [...lx.warnings]
  for (const ll of lx.lines) {
    const instr = parseLogicalLine(ll, lx.escapeChar)
    if (instr.kind === 'FROM') {
      const stage: Stage = { index: stages.length, from: instr, instructions: [] }
      if (instr.name !== undefined) {
        stage.name = instr.name
        if (stages.some((s) => s.name === instr.name)) {
          warnings.push(`Duplicate stage name "${instr.name}", stage names should be unique (line ${ll.startLine})`)
        }
      }
      stages.push(stage)
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instr)
    } else if (instr.kind === 'ARG') {
      metaArgs.push(instr)
    } else {
      throw parseError(ll.startLine, 'no build stage in current context')
    }
  }
  if (stages.length === 0) {
    throw parseError(lx.lines[lx.lines.length - 1].startLine, 'dockerfile contains no stages to build')
  }
  return { directives: lx.directives, metaArgs, stages, escapeChar: lx.escapeChar, warnings }
}
