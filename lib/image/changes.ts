// `--change` for import and commit: Dockerfile instructions that only touch the config, read by
// the Dockerfile parser and applied by the builder's own table (configInstruction.ts), as
// Docker's BuildFromConfig runs them through its dispatcher: words expand against the image's
// ENV, ENTRYPOINT without a CMD among the changes clears the inherited CMD, WORKDIR is relative
// to the current one. Docker's list of what --change accepts (validCommitCommands). Pure.

import { Codes, StoreError, isStoreError } from '../errors.js'
import * as P from '../build/parser/index.js'
import { applyConfigInstruction, type ConfigState } from './configInstruction.js'
import type { RunConfig } from './model.js'

const ALLOWED: readonly string[] = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']

function bad(msg: string): StoreError {
  return new StoreError(Codes.INVALID_ARGUMENT, msg)
}

/** Applies each change to `cfg`, in order (one run: CMD/ENTRYPOINT see the others). */
export function applyChanges(cfg: RunConfig, changes: readonly string[]): void {
  const state: ConfigState = { cmdSet: false }
  for (const line of changes) applyChange(cfg, line, state)
}

function applyChange(cfg: RunConfig, line: string, state: ConfigState): void {
  const word = /^\s*(\S+)/.exec(line)?.[1]
  if (!word) throw bad(`invalid change: "${line}"`)
  // Docker names the instruction as its parser keeps it: lowercased.
  if (!ALLOWED.includes(word.toUpperCase())) throw bad(`${word.toLowerCase()} is not a valid change command`)
  try {
    apply(cfg, P.expandInstruction(P.parseInstruction(line), envVars(cfg.Env)), state)
  } catch (e) {
    // Docker says the parser's words alone ("ENV requires at least one argument").
    if (isStoreError(e)) throw bad(e.message.replace(/^dockerfile parse error on line \d+: /, ''))
    throw e
  }
}

function apply(cfg: RunConfig, instr: P.Instruction, state: ConfigState): void {
  if (instr.kind === 'ENV') {
    const env = cfg.Env ?? []
    for (const { key, value } of instr.pairs) {
      const i = env.findIndex((e) => e.split('=', 1)[0] === key)
      if (i >= 0) env[i] = `${key}=${value}`
      else env.push(`${key}=${value}`)
    }
    cfg.Env = env
  } else if (instr.kind === 'WORKDIR') {
    cfg.WorkingDir = instr.path.startsWith('/') ? instr.path : `${cfg.WorkingDir ?? '/'}/${instr.path}`.replace(/\/+/g, '/')
  } else {
    applyConfigInstruction({ config: cfg }, instr, state)
  }
}

/** The config's ENV as the variables words expand against. */
function envVars(env: readonly string[] | undefined): Map<string, string> {
  const vars = new Map<string, string>()
  for (const e of env ?? []) {
    const i = e.indexOf('=')
    if (i > 0) vars.set(e.slice(0, i), e.slice(i + 1))
  }
  return vars
}
