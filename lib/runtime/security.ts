// Docker's security flags (--cap-add, --cap-drop, --privileged, --security-opt) resolved to what
// the runtime applies, with Docker's messages. Pure: no I/O, runs outside Node too.
//
// Sources (moby b985e23, docker v29.7.2+; docker/cli 28f7560): daemon/pkg/oci/caps (defaults.go,
// utils.go: NormalizeLegacyCapabilities, TweakCapabilities), containerd pkg/oci WithCapabilities,
// daemon/daemon_unix.go parseSecurityOpt, daemon/seccomp_linux.go WithSeccomp, and the CLI's
// cli/command/container/opts.go parseSecurityOpts / parseSystemPaths.

import { Codes, StoreError } from '../errors.js'

/** Docker's default capability set (moby daemon/pkg/oci/caps/defaults.go), in its order. */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]

/** Every capability Linux knows (linux/capability.h, CAP_LAST_CAP = 40 since 5.9); index = bit. */
export const ALL_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
]

export interface CapabilityRequest {
  capAdd?: string[]
  capDrop?: string[]
  privileged?: boolean
  /** The container's user. Since moby v25 it changes nothing here: see resolveCapabilities. */
  uid?: number
  /** Capabilities this host can grant (the daemon's own bounding set); default ALL_CAPS. */
  available?: readonly string[]
}

/** The five sets of runtime-spec `process.capabilities`. */
export interface Capabilities {
  bounding: string[]
  effective: string[]
  permitted: string[]
  inheritable: string[]
  ambient: string[]
}

/**
 * The capability sets moby writes to config.json (TweakCapabilities, then containerd's
 * WithCapabilities): bounding = effective = permitted; inheritable and ambient empty
 * (CVE-2022-24769). The same for every user since moby v25 (3aef732e, "Do not drop
 * effective&permitted set"); 20.10-24 left effective/permitted empty for a non-root user.
 * The kernel still clears them at execve for a non-root user without file capabilities.
 */
export function resolveCapabilities(req: CapabilityRequest): Capabilities {
  const available = req.available ?? ALL_CAPS
  let caps: string[]
  if (req.privileged) caps = [...available]
  else if (!req.capAdd?.length && !req.capDrop?.length) caps = [...DOCKER_DEFAULT_CAPS]
  else {
    const drop = normalizeCapabilities(req.capDrop ?? [], available)
    const add = normalizeCapabilities(req.capAdd ?? [], available)
    if (add.includes('ALL')) caps = available.filter((c) => !drop.includes(c))
    else if (drop.includes('ALL')) caps = add
    else caps = [...DOCKER_DEFAULT_CAPS.filter((c) => !drop.includes(c)), ...add]
  }
  caps = [...new Set(caps)] // moby keeps duplicates (--cap-add CHOWN); they change nothing
  return { bounding: caps, effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] }
}

/** Upper-cases, adds CAP_, keeps ALL; unknown names get moby's error (NormalizeLegacyCapabilities). */
export function normalizeCapabilities(names: readonly string[], available: readonly string[] = ALL_CAPS): string[] {
  return names.map((raw) => {
    let c = raw.toUpperCase()
    if (c === 'ALL') return c
    if (!c.startsWith('CAP_')) c = `CAP_${c}`
    if (!ALL_CAPS.includes(c)) throw invalid(`unknown capability: ${JSON.stringify(c)}`)
    if (!available.includes(c)) {
      throw invalid(`capability not supported by your kernel or not available in the current environment: ${JSON.stringify(c)}`)
    }
    return c
  })
}

/** The capability set as /proc/PID/status prints it (CapEff etc.): 16 hex digits. */
export function capabilityMask(names: readonly string[]): string {
  let mask = 0n
  for (const n of names) {
    const bit = ALL_CAPS.indexOf(n)
    if (bit < 0) throw invalid(`unknown capability: ${JSON.stringify(n)}`)
    mask |= 1n << BigInt(bit)
  }
  return mask.toString(16).padStart(16, '0')
}

export type SeccompChoice = 'default' | 'unconfined' | { file: string }

export interface SecurityOptions {
  noNewPrivileges: boolean
  /** `seccomp=builtin` or no option: Docker's profile; `unconfined`: none; else a profile file. */
  seccomp: SeccompChoice
  apparmor?: string
  /** `label=` values in order (SELinux: user:, role:, type:, level:, disable, ...). */
  label?: string[]
  writableCgroups?: boolean
  /** `systempaths=unconfined`: no masked and no read-only paths. */
  systemPaths: 'default' | 'unconfined'
}

/**
 * --security-opt values as `docker run` checks them: first the CLI (a value is required except
 * for no-new-privileges; systempaths=unconfined is taken there), then the daemon
 * (parseSecurityOpt: known keys, booleans as Go's ParseBool). `key:value` is the legacy form.
 */
export function parseSecurityOpts(list: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: 'default', systemPaths: 'default' }
  for (const opt of list) {
    let [k, v, ok] = cut(opt, '=')
    if (!ok && k !== 'no-new-privileges') [k, v, ok] = cut(opt, ':')
    if ((!ok || v === '') && k !== 'no-new-privileges') throw invalid(`invalid --security-opt: ${JSON.stringify(opt)}`)
  }
  for (const opt of list) {
    if (opt === 'systempaths=unconfined') { out.systemPaths = 'unconfined'; continue }
    if (opt === 'no-new-privileges') { out.noNewPrivileges = true; continue }
    const [k, v] = cut(opt, opt.includes('=') ? '=' : ':')
    const bad = () => invalid(`invalid --security-opt 2: ${JSON.stringify(opt)}`)
    switch (k) {
      case 'label': out.label = [...(out.label ?? []), v]; break
      case 'apparmor': out.apparmor = v; break
      case 'seccomp': out.seccomp = v === 'builtin' ? 'default' : v === 'unconfined' ? 'unconfined' : { file: v }; break
      case 'no-new-privileges': out.noNewPrivileges = parseBool(v) ?? throwIt(bad()); break
      case 'writable-cgroups': out.writableCgroups = parseBool(v) ?? throwIt(bad()); break
      default: throw bad()
    }
  }
  return out
}

/** The profile a container gets (WithSeccomp): --privileged drops the default one, not a file. */
export function effectiveSeccomp(opts: SecurityOptions, privileged: boolean): SeccompChoice {
  return privileged && opts.seccomp === 'default' ? 'unconfined' : opts.seccomp
}

function cut(s: string, sep: string): [string, string, boolean] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, '', false] : [s.slice(0, i), s.slice(i + sep.length), true]
}

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false
  return undefined
}

function throwIt(e: Error): never {
  throw e
}

const invalid = (message: string) => new StoreError(Codes.INVALID_ARGUMENT, message)
