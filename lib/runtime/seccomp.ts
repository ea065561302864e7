// Seccomp: Docker's profile format, and the OCI `linux.seccomp` object moby derives from it for one
// container (moby/profiles seccomp_linux.go setupSeccomp). Pure: no I/O, runs outside Node too.
//
// Vocabulary. A *profile* is what `--security-opt seccomp=FILE` names (rules with conditions on
// the container's capabilities, the host arch and kernel). The *OCI seccomp* object is the
// profile resolved for one container: what moby writes to config.json, and what runc/crun, or
// compileSeccompBpf here, turn into a filter.

import { Codes, StoreError } from '../errors.js'

export type SeccompAction =
  | 'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_THREAD' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO' | 'SCMP_ACT_TRACE' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_LOG' | 'SCMP_ACT_NOTIFY'

export type SeccompOp =
  | 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ'

/** A condition on syscall argument `index` (0..5). For MASKED_EQ, `value` is the mask and
 * `valueTwo` the datum: (arg & value) == valueTwo. Values above 2^53 are bigints. */
export interface SeccompArg {
  index: number
  value: number | bigint
  valueTwo?: number | bigint
  op: SeccompOp
}

/** One rule of the OCI object: every name gets `action` when all `args` hold. */
export interface OciSyscall {
  names: string[]
  action: SeccompAction
  errnoRet?: number
  args?: SeccompArg[]
}

/** runtime-spec `linux.seccomp`. */
export interface OciSeccomp {
  defaultAction: SeccompAction
  defaultErrnoRet?: number
  /** SCMP_ARCH_* names; the native arch is always filtered too. */
  architectures?: string[]
  flags?: string[]
  listenerPath?: string
  listenerMetadata?: string
  syscalls?: OciSyscall[]
}

/** A rule is kept only when every `includes` condition holds and no `excludes` one does. */
export interface SeccompFilter {
  /** Capability names (CAP_*), matched against the container's bounding set. */
  caps?: string[]
  /** moby's arch names: amd64, x32, x86, arm64, arm, s390x, ... */
  arches?: string[]
  /** "<kernel>.<major>", e.g. "4.8". */
  minKernel?: string
}

export interface DockerSyscallRule extends Partial<OciSyscall> {
  /** Legacy single name (old profiles); not together with `names`. */
  name?: string
  comment?: string
  includes?: SeccompFilter
  excludes?: SeccompFilter
}

/** Docker's seccomp profile format (profiles/seccomp/default.json). */
export interface DockerSeccompProfile {
  defaultAction: SeccompAction
  defaultErrnoRet?: number
  /** Legacy fixed list; not together with `archMap`. */
  architectures?: string[]
  archMap?: { architecture: string; subArchitectures: string[] | null }[]
  flags?: string[]
  listenerPath?: string
  listenerMetadata?: string
  syscalls: DockerSyscallRule[]
}

/** moby's arch names for the arches this store runs on. */
export type SeccompHostArch = 'amd64' | 'arm64'

export interface SeccompContainer {
  /** The container's bounding capability set, CAP_* names. */
  caps: readonly string[]
  arch: SeccompHostArch
  /** Host kernel [major, minor]; without it every minKernel rule counts as satisfied. */
  kernel?: [number, number]
}

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
