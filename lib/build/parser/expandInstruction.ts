// Substitute variables in an instruction, as BuildKit does right before dispatching it.
// Substitution applies to ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR,
// never to RUN CMD ENTRYPOINT SHELL HEALTHCHECK (the shell does that at run time), ARG
// (see StageScope.declare) or ONBUILD (its trigger is expanded when it fires, in the child).

import { Fail, atLine } from './_fail.js'
import { expand, expandHeredoc, expandWords, type Vars } from './expand.js'
import type { EscapeChar, Instruction } from './types.js'

/**
 * A copy of `instr` with its words expanded against `vars` (quotes removed as well). Every
 * word of one instruction sees the same `vars`: within one ENV, `ENV A=1 B=$A` gives B the
 * value A had before the instruction. For FROM pass the meta ARGs (definedVars(meta));
 * otherwise StageScope.vars(). `COPY --from` is left as written: BuildKit resolves it
 * against stage names, and expands it with the meta ARGs only.
 * Throws StoreError(DOCKERFILE_PARSE) at the instruction's line.
 */
export function expandInstruction<T extends Instruction>(instr: T, vars: Vars, escapeChar: EscapeChar = '\\'): T {
  const x = (w: string): string => expand(w, vars, escapeChar)
  const i: Instruction = instr
  try {
    switch (i.kind) {
      case 'ENV':
      case 'LABEL':
        return { ...i, pairs: i.pairs.map((p) => ({ key: x(p.key), value: x(p.value) })) } as T
      case 'COPY':
      case 'ADD': {
        const out = {
          ...i,
          sources: i.sources.map(x),
          dest: x(i.dest),
          // Heredoc bodies: ExpandRaw, quotes are plain text there.
          contents: i.contents.map((c) => (c.expand ? { ...c, data: expandHeredoc(c.data, vars) } : c)),
        }
        if (out.chown !== undefined) out.chown = x(out.chown)
        if (out.chmod !== undefined) out.chmod = x(out.chmod)
        if (out.kind === 'ADD' && out.checksum !== undefined) out.checksum = x(out.checksum)
        return out as T
      }
      case 'EXPOSE':
        // Word splitting: `EXPOSE $PORTS` with PORTS="80 443" exposes two ports.
        return { ...i, ports: i.ports.flatMap((p) => expandWords(p, vars, escapeChar)) } as T
      case 'FROM': {
        const out = { ...i, image: x(i.image) }
        if (out.image === '') throw new Fail(`base name (${i.image}) should not be blank`)
        if (i.platform !== undefined) out.platform = x(i.platform)
        return out as T
      }
      case 'STOPSIGNAL':
        return { ...i, signal: x(i.signal) } as T
      case 'USER':
        return { ...i, user: x(i.user) } as T
      case 'VOLUME':
        return { ...i, volumes: i.volumes.map(x) } as T
      case 'WORKDIR':
        return { ...i, path: x(i.path) } as T
      default:
        return instr
    }
  } catch (e) {
    return atLine(i.startLine, e)
  }
}
