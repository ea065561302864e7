// Seccomp: Docker's profile format, and the OCI `linux.seccomp` object moby derives from it for one
// container (moby/profiles seccomp_linux.go setupSeccomp). Pure: no I/O, runs outside Node too.
//
// Vocabulary. A *profile* is what `--security-opt seccomp=FILE` names (rules with conditions on
// the container's capabilities, the host arch and kernel). The *OCI seccomp* object is the
// profile resolved for one container: what moby writes to config.json, and what runc/crun, or
// compileSeccompBpf here, turn into a filter.

import { Codes, StoreError } from '../errors.js'
import type { OciSyscall, OciSeccomp, DockerSyscallRule, DockerSeccompProfile, SeccompHostArch, SeccompContainer } from './_seccompTypes.js'

export type { SeccompAction, SeccompOp, SeccompArg, OciSyscall, OciSeccomp, SeccompFilter, DockerSyscallRule, DockerSeccompProfile, SeccompHostArch, SeccompContainer } from './_seccompTypes.js'
export { DOCKER_DEFAULT_SECCOMP } from './_seccompDefault.js'
export { parseSeccompProfile } from './_seccompParse.js'
export { compileSeccompBpf } from './seccompBpf.js'

/**
 * JSON text for anything holding an OCI seccomp object (config.json): argument values past 2^53
 * are bigints here and must be written as plain JSON numbers, which JSON.stringify refuses.
 */
export function seccompJson(value: unknown, space?: number): string {
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v), space)
  return text.replace(/"\\u0000(\d+)\\u0000"/g, '$1')
}

const NATIVE_ARCH: Record<SeccompHostArch, string> = { amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64' }

/**
 * The OCI seccomp object moby puts in config.json for a container with these capabilities on
 * this host (setupSeccomp): the native arch's archMap entry, and the rules whose includes and
 * excludes fit. Undefined when the profile has neither a default action nor rules (seccomp off).
 */
export function seccompForContainer(profile: DockerSeccompProfile, c: SeccompContainer): OciSeccomp | undefined {
  if (!profile.defaultAction && profile.syscalls.length === 0) return undefined
  if (profile.architectures?.length && profile.archMap?.length) {
    throw invalid("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'")
  }
  const out: OciSeccomp = { defaultAction: profile.defaultAction }
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet
  const entry = profile.archMap?.find((a) => a.architecture === NATIVE_ARCH[c.arch])
  const arches = profile.architectures ?? (entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [])
  if (arches.length) out.architectures = [...arches]
  if (profile.flags) out.flags = [...profile.flags]
  if (profile.listenerPath !== undefined) out.listenerPath = profile.listenerPath
  if (profile.listenerMetadata !== undefined) out.listenerMetadata = profile.listenerMetadata
  const syscalls: OciSyscall[] = []
  for (const rule of profile.syscalls) {
    if (rule.name && rule.names?.length) {
      throw invalid("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'")
    }
    if (!applies(rule, c)) continue
    const s: OciSyscall = { names: rule.name ? [rule.name] : [...(rule.names ?? [])], action: rule.action! }
    if (rule.errnoRet !== undefined) s.errnoRet = rule.errnoRet
    if (rule.args?.length) s.args = rule.args.map((a) => ({ ...a }))
    syscalls.push(s)
  }
  if (syscalls.length) out.syscalls = syscalls
  return out
}

/** setupSeccomp's loop: an exclude that matches drops the rule, an include that fails drops it. */
function applies(rule: DockerSyscallRule, c: SeccompContainer): boolean {
  const ex = rule.excludes
  if (ex) {
    if (ex.arches?.includes(c.arch)) return false
    if (ex.caps?.some((cap) => c.caps.includes(cap))) return false
    if (ex.minKernel && kernelAtLeast(c.kernel, ex.minKernel)) return false
  }
  const inc = rule.includes
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(c.arch)) return false
    if (inc.caps?.some((cap) => !c.caps.includes(cap))) return false
    if (inc.minKernel && !kernelAtLeast(c.kernel, inc.minKernel)) return false
  }
  return true
}

function kernelAtLeast(kernel: [number, number] | undefined, min: string): boolean {
  if (!kernel) return true
  const [k, m] = min.split('.').map(Number)
  return kernel[0] > k || (kernel[0] === k && kernel[1] >= m)
}

const invalid = (message: string) => new StoreError(Codes.INVALID_ARGUMENT, message)
