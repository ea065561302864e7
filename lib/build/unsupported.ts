// Flags the Dockerfile parser accepts (BuildKit's flag tables, parser/_copy.ts, _run.ts,
// _commands.ts) that store does not implement are refused with the line, before any step
// runs, never ignored. The whole table, flag by flag:
//   FROM   --platform       host platform only (executor: namesPlatform), else refused
//   RUN    --mount          bind, cache, tmpfs, secret (file); type=ssh and secret env= refused
//          --network        default, none, host
//          --security       sandbox; insecure refused (BuildKit's "security.insecure is not allowed")
//   COPY   --from --chown --chmod     implemented
//          --link --exclude --parents refused
//   ADD    --chown --chmod --checksum implemented
//          --link --exclude --keep-git-dir refused
//   HEALTHCHECK --interval --timeout --start-period --start-interval --retries   implemented
// Anything else (RUN --device, ADD --unpack, …) is already an `unknown flag` parse error.

import { Codes, StoreError } from '../errors.js'
import type * as P from './parser/index.js'

export function unsupported(line: number, flag: string, what: string, hint?: string): StoreError {
  return new StoreError(Codes.UNSUPPORTED, `dockerfile parse error on line ${line}: ${what}`, { data: { line, flag }, hint })
}

/** Throws for the first flag of `instr` that store does not implement. */
export function refuseUnsupported(instr: P.Instruction): void {
  const line = instr.startLine
  const no = (flag: string, hint: string) => {
    throw unsupported(line, flag, `${instr.kind} ${flag} is not supported`, hint)
  }
  switch (instr.kind) {
    case 'COPY':
    case 'ADD':
      if (instr.link) no('--link', 'store makes each layer over its parent: drop --link (the image is the same in most cases)')
      if (instr.exclude.length > 0) no('--exclude', 'leave the files out with a .dockerignore instead')
      if (instr.kind === 'COPY' && instr.parents) no('--parents', 'copy each parent dir explicitly')
      if (instr.kind === 'ADD' && instr.keepGitDir) no('--keep-git-dir', 'store has no git sources for ADD')
      return
    case 'RUN':
      if (instr.security === 'insecure') {
        throw unsupported(line, '--security', 'RUN --security=insecure: security.insecure is not allowed', 'store never runs a build step outside its sandbox (capabilities, seccomp, namespaces)')
      }
      // Mount types written literally are refused here already; one from a variable at its step.
      for (const m of instr.mounts) {
        if (m.type === 'ssh') throw sshRefused(line)
        if (m.type === 'secret' && m.options.env !== undefined) throw secretEnvRefused(line, m.options.id ?? m.options.source ?? 'id')
      }
      return
    default:
      return
  }
}

/** RUN --mount types and options store refuses (checked once the mount's values are known). */
export function refuseMount(line: number, spec: P.RunMountSpec): void {
  if (spec.type === 'ssh') throw sshRefused(line)
  if (spec.type === 'secret' && spec.env !== undefined) throw secretEnvRefused(line, spec.id)
}

const sshRefused = (line: number) =>
  unsupported(line, '--mount', 'RUN --mount=type=ssh is not supported: store does not forward an SSH agent', 'give the credentials as a secret (--mount=type=secret) instead')

const secretEnvRefused = (line: number, id: string) =>
  unsupported(line, '--mount', 'RUN --mount=type=secret,env=… is not supported: store mounts secrets as files only', `read the file instead: --mount=type=secret,id=${id} and $(cat /run/secrets/${id})`)
