// The history `created_by` line of each instruction, in BuildKit's words
// (dockerfile2llb/convert.go, commitToHistory): `RUN /bin/sh -c make # buildkit`,
// `COPY a b /dst # buildkit`, `ENV K=V`, `CMD ["a" "b"]`, `WORKDIR /x`, …
// Pass the instruction after expandInstruction(); for ARG, the declarations StageScope
// resolved. Entries get `comment: HISTORY_COMMENT`.

import { formatGoDuration } from './_duration.js'
import { joinPath } from '../../_gopath.js'
import { goQuoteRune, goQuoteSlice, goSlice } from './_text.js'
import { DEFAULT_SHELL, commandArgs, resolveRunCommand } from './command.js'
import { lookupOf, type Vars } from './expand.js'
import { exposedPorts } from './ports.js'
import type { ArgDeclaration, Instruction } from './types.js'

export const HISTORY_COMMENT = 'buildkit.dockerfile.v0'

export interface HistoryContext {
  /** SHELL in effect (RUN, CMD, ENTRYPOINT in shell form). Default ["/bin/sh", "-c"]. */
  shell?: readonly string[]
  /** ARGs declared in the stage so far (RUN lines list them as `|N K=V …`). */
  args?: readonly ArgDeclaration[]
  /** Variables in effect (StageScope.vars()): an ARG shadowed by ENV shows the ENV value. */
  vars?: Vars
  /** WORKDIR before this instruction; a relative WORKDIR is resolved against it. */
  workdir?: string
}

const LAYER = ' # buildkit' // BuildKit marks the steps that produced a filesystem state

/**
 * The `created_by` of `instr`, or undefined for FROM and ONBUILD, which BuildKit does not
 * record in the history.
 */
export function historyCreatedBy(instr: Instruction, ctx: HistoryContext = {}): string | undefined {
  const shell = ctx.shell ?? DEFAULT_SHELL
  switch (instr.kind) {
    case 'FROM':
    case 'ONBUILD':
      return undefined
    case 'RUN': {
      const argv = resolveRunCommand(instr, shell).args
      const get = lookupOf(ctx.vars ?? {})
      const env = (ctx.args ?? []).map((a) => `${a.key}=${get(a.key) ?? a.value ?? ''}`)
      const prefix = env.length > 0 ? [`|${env.length}`, ...env] : []
      return 'RUN ' + [...prefix, ...argv].join(' ') + LAYER
    }
    case 'COPY':
    case 'ADD': {
      let s = instr.kind
      for (const src of instr.sources) s += ' ' + src
      for (const c of instr.contents) s += ' <<' + c.name
      return s + ' ' + instr.dest + LAYER
    }
    case 'WORKDIR': {
      const p = instr.path
      return 'WORKDIR ' + (p.startsWith('/') ? p : joinPath('/', ctx.workdir ?? '/', p))
    }
    case 'ENV':
    case 'LABEL':
      return instr.kind + instr.pairs.map((p) => ` ${p.key}=${p.value}`).join('')
    case 'ARG':
      return 'ARG ' + instr.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(' ')
    case 'CMD':
      return 'CMD ' + goQuoteSlice(commandArgs(instr.cmd, shell))
    case 'ENTRYPOINT':
      return 'ENTRYPOINT ' + goQuoteSlice(commandArgs(instr.cmd, shell))
    case 'HEALTHCHECK': {
      // `%q` of Docker's HealthConfig struct: Test, Interval, Timeout, StartPeriod,
      // StartInterval (durations print as strings), Retries (an int prints as a rune).
      const d = [instr.interval, instr.timeout, instr.startPeriod, instr.startInterval]
      return `HEALTHCHECK &{${goQuoteSlice(instr.test)} ${d.map((n) => `"${formatGoDuration(n)}"`).join(' ')} ${goQuoteRune(instr.retries)}}`
    }
    case 'EXPOSE':
      return 'EXPOSE ' + goSlice(exposedPorts(instr))
    case 'USER':
      return 'USER ' + instr.user
    case 'VOLUME':
      return 'VOLUME ' + goSlice(instr.volumes)
    case 'STOPSIGNAL':
      return 'STOPSIGNAL ' + instr.signal
    case 'SHELL':
      return 'SHELL ' + goSlice(instr.shell)
    case 'MAINTAINER':
      return 'MAINTAINER ' + instr.maintainer
  }
}
