// The seccomp vocabulary's types (seccomp.ts explains them): profiles, OCI objects, the container a profile is resolved for.

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
