// From a parsed command to the argv the executor runs or stores, BuildKit's rules:
// shell form is SHELL + [command]; a RUN with heredocs runs the body (or a reconstituted
// script); CMD/ENTRYPOINT store the same argv in the image config.
// Not done here, the executor's business: ENTRYPOINT resets CMD to nothing unless a CMD was
// set earlier in the same stage (a CMD inherited from the base image does not count).

import { chompTabs, heredocMarker } from './_heredoc.js'
import type { CommandLine, RunInstruction } from './types.js'

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c']

/** The argv of a CMD/ENTRYPOINT/RUN command line under `shell`. */
export function commandArgs(cmd: CommandLine, shell: readonly string[] = DEFAULT_SHELL): string[] {
  return cmd.form === 'exec' ? [...cmd.args] : [...shell, cmd.command]
}

export interface RunCommand {
  /** The full argv to execute (shell included for shell form). */
  args: string[]
  /**
   * A single heredoc starting with `#!` is run as a script: write `data` to `path`
   * (mode 0755; BuildKit mounts it read-only at /dev/pipes/) and run `args`.
   */
  inlineFile?: { path: string; data: string; mode: number }
}

/** What to execute for a RUN (BuildKit's dispatchRun). */
export function resolveRunCommand(run: RunInstruction, shell: readonly string[] = DEFAULT_SHELL): RunCommand {
  if (run.cmd.form === 'exec') return { args: [...run.cmd.args] }
  let command = run.cmd.command
  let inlineFile: RunCommand['inlineFile']
  if (run.heredocs.length > 0) {
    let single
    try {
      single = heredocMarker(command)
    } catch {
      single = undefined
    }
    if (single) {
      // `RUN <<EOF` alone: the body is the command, or a script file when it has a shebang.
      const h = run.heredocs[0]
      const data = h.chomp ? chompTabs(h.content) : h.content
      if (h.content.startsWith('#!')) {
        inlineFile = { path: `/dev/pipes/${h.name}`, data, mode: 0o755 }
        command = inlineFile.path
      } else command = data
    } else {
      // `RUN cat <<EOF > f`: hand the shell the whole here-document, it knows the syntax.
      for (const h of run.heredocs) command += '\n' + h.content + h.name
    }
  }
  const out: RunCommand = { args: [...shell, command] }
  if (inlineFile) out.inlineFile = inlineFile
  return out
}
