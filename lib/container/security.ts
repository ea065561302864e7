// A container's security settings, from what the user typed (--privileged, --cap-add,
// --cap-drop, --security-opt) to what every launcher applies: capability sets, no_new_privs,
// the seccomp profile, masked and read-only paths. Docker's defaults when nothing was typed.
// Checked at create (a bad flag leaves nothing behind); resolved again at each start.

import { readFileSync } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import { DEFAULT_MASKED, DEFAULT_READONLY, hostSeccompArch } from '../runtime/index.js'
import { ALL_CAPS, effectiveSeccomp, parseSecurityOpts, resolveCapabilities, type Capabilities } from '../runtime/security.js'
import { DOCKER_DEFAULT_SECCOMP, parseSeccompProfile, seccompForContainer, type OciSeccomp } from '../runtime/seccomp.js'
import type { ContainerRecord } from './types.js'

export interface ContainerSecurity {
  capabilities: Capabilities
  noNewPrivileges: boolean
  seccomp?: OciSeccomp
  maskedPaths: string[]
  readonlyPaths: string[]
}

type Flags = Pick<ContainerRecord, 'privileged' | 'capAdd' | 'capDrop' | 'securityOpt' | 'seccompProfile'>

/**
 * Check the flags as Docker does, at create. A `seccomp=FILE` profile is read and checked now,
 * and kept (as Docker keeps it in the container's config): returns its text.
 */
export function checkSecurityFlags(o: Pick<ContainerRecord, 'privileged' | 'capAdd' | 'capDrop' | 'securityOpt'>): { seccompProfile?: string } {
  resolveCapabilities({ capAdd: o.capAdd, capDrop: o.capDrop, privileged: o.privileged, available: hostCapabilities() })
  const opts = parseSecurityOpts(o.securityOpt ?? [])
  const choice = effectiveSeccomp(opts, !!o.privileged)
  if (typeof choice !== 'object') return {}
  let text: string
  try {
    text = readFileSync(choice.file, 'utf8')
  } catch (e) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `opening seccomp profile (${choice.file}) failed: ${(e as Error).message}`, { cause: e })
  }
  parseSeccompProfile(text)
  return { seccompProfile: text }
}

export function containerSecurity(rec: Flags, arch = hostSeccompArch()): ContainerSecurity {
  const capabilities = resolveCapabilities({ capAdd: rec.capAdd, capDrop: rec.capDrop, privileged: rec.privileged, available: hostCapabilities() })
  const opts = parseSecurityOpts(rec.securityOpt ?? [])
  const choice = effectiveSeccomp(opts, !!rec.privileged)
  const profile = choice === 'unconfined' ? undefined : choice === 'default' ? DOCKER_DEFAULT_SECCOMP : parseSeccompProfile(rec.seccompProfile ?? '')
  // --privileged and systempaths=unconfined: nothing of /proc or /sys is hidden (moby WithMounts).
  const open = rec.privileged || opts.systemPaths === 'unconfined'
  return {
    capabilities,
    noNewPrivileges: opts.noNewPrivileges,
    seccomp: profile && seccompForContainer(profile, { caps: capabilities.bounding, arch }),
    maskedPaths: open ? [] : DEFAULT_MASKED,
    readonlyPaths: open ? [] : DEFAULT_READONLY,
  }
}

let hostCaps: string[] | undefined

/**
 * What we can grant: our own bounding set (a sandboxed host may lack some; moby asks the kernel,
 * and runc then fails to set what it does not have). --privileged means all of these.
 */
function hostCapabilities(): string[] {
  if (hostCaps) return hostCaps
  let mask = -1n
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (m) mask = BigInt(`0x${m[1]}`)
  } catch {
    // no /proc: every capability the kernel has
  }
  hostCaps = ALL_CAPS.filter((_, bit) => (mask >> BigInt(bit)) & 1n)
  return hostCaps
}
