// The Dockerfile instructions that only change an image's config, applied one way for every
// caller: the builder's dispatch and `import`/`commit --change` (lib/image/changes.ts), as
// Docker runs both through one dispatcher. The instruction comes expanded; ENV, ARG and WORKDIR
// are the callers' (the builder's scope and layers), not this table's. Pure.

import * as P from '../build/parser/index.js'
import type { RunConfig } from './model.js'

/** What CMD and ENTRYPOINT need across one run of instructions (a build stage, one commit's changes). */
export interface ConfigState {
  /** A CMD was set in this run: a later ENTRYPOINT keeps it (else it clears the inherited one). */
  cmdSet: boolean
}

/** Applies `instr` if it is a config-only instruction; false for any other kind. */
export function applyConfigInstruction(image: { config: RunConfig; author?: string }, instr: P.Instruction, state: ConfigState): boolean {
  const c = image.config
  const shell = () => c.Shell ?? [...P.DEFAULT_SHELL]
  switch (instr.kind) {
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) }
      for (const p of instr.pairs) c.Labels[p.key] = p.value
      return true
    case 'MAINTAINER':
      image.author = instr.maintainer
      return true
    case 'EXPOSE':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) }
      for (const p of P.exposedPorts(instr)) c.ExposedPorts[p] = {}
      return true
    case 'VOLUME':
      c.Volumes = { ...(c.Volumes ?? {}) }
      for (const vol of instr.volumes) c.Volumes[vol] = {}
      return true
    case 'USER':
      c.User = instr.user
      return true
    case 'STOPSIGNAL':
      c.StopSignal = instr.signal
      return true
    case 'HEALTHCHECK':
      c.Healthcheck = instr.test[0] === 'NONE' ? { Test: ['NONE'] } : {
        Test: instr.test,
        ...(instr.interval ? { Interval: instr.interval } : {}),
        ...(instr.timeout ? { Timeout: instr.timeout } : {}),
        ...(instr.startPeriod ? { StartPeriod: instr.startPeriod } : {}),
        ...(instr.startInterval ? { StartInterval: instr.startInterval } : {}),
        ...(instr.retries ? { Retries: instr.retries } : {}),
      }
      return true
    case 'SHELL':
      c.Shell = instr.shell
      return true
    case 'CMD':
      c.Cmd = P.commandArgs(instr.cmd, shell())
      state.cmdSet = true
      return true
    case 'ENTRYPOINT':
      c.Entrypoint = P.commandArgs(instr.cmd, shell())
      if (!state.cmdSet) c.Cmd = null
      return true
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), instr.trigger]
      return true
    default:
      return false
  }
}
