// The Dockerfile front end of `store build`: BuildKit-compatible parsing, variable
// substitution, ARG/ENV scoping, history lines and .dockerignore matching. Pure: no
// `node:` imports, synchronous, no I/O.
//
// How the executor drives it (see scope.ts for the ARG/ENV rules):
//   const df = parseDockerfile(text)                       // throws DOCKERFILE_PARSE with data.line
//   const meta = resolveMetaArgs(df.metaArgs, buildArgs, df.escapeChar, platformArgs)
//   for (const stage of df.stages) {
//     const from = expandInstruction(stage.from, definedVars(meta), df.escapeChar)
//     const scope = new StageScope({ metaArgs: meta, buildArgs, env: base.config.Env, escapeChar: df.escapeChar })
//     for (const t of base.config.OnBuild ?? []) dispatch(parseInstruction(t, stage.from.startLine))
//     for (const instr of stage.instructions) dispatch(instr)
//   }
//   dispatch(instr):
//     ARG     → const decls = scope.declare(instr); history ARG with { ...instr, args: decls }
//     ENV     → const e = expandInstruction(instr, scope.vars(), esc); scope.setEnv(e.pairs)
//     RUN     → resolveRunCommand(instr, shell) with env scope.runEnv() (no substitution: the shell does it);
//               each mount: resolveRunMount(m.raw, (w) => expand(w, scope.vars(), esc), workdir)
//     CMD/ENTRYPOINT → commandArgs(instr.cmd, shell); ENTRYPOINT clears a CMD unless a CMD
//               was set earlier in the same stage (an inherited CMD does not count)
//     ONBUILD → append instr.trigger to the config's OnBuild list
//     others  → expandInstruction(instr, scope.vars(), esc)
//     history → historyCreatedBy(expanded, { shell, args: scope.declaredArgs(), vars: scope.vars(), workdir })
//   The .dockerignore: createIgnoreMatcher(parseDockerignore(text)); the Dockerfile and
//   .dockerignore themselves are read whatever it says.

export type * from './types.js'
export { parseDockerfile } from './dockerfile.js'
export { parseInstruction, INSTRUCTION_KINDS } from './instruction.js'
export { expand, expandWords, expandHeredoc, type Vars } from './expand.js'
export { expandInstruction } from './expandInstruction.js'
export { StageScope, resolveMetaArgs, definedVars, type MetaArgs, type StageScopeOptions } from './scope.js'
export { commandArgs, resolveRunCommand, DEFAULT_SHELL, type RunCommand } from './command.js'
export { exposedPorts } from './ports.js'
export { historyCreatedBy, HISTORY_COMMENT, type HistoryContext } from './history.js'
export { parseRunMount, csvFields } from './_run.js'
export { resolveRunMount } from './runMount.js'
export { atLine } from './_fail.js'
export { parseDockerignore, createIgnoreMatcher, type IgnorePattern, type IgnoreMatcher } from './dockerignore.js'
