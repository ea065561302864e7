// What a spec needs from the machine. A missing need skips the spec with a printed reason on
// a developer's machine; under CI (CI=true) it is a failure, never a silent skip.

import { existsSync } from 'node:fs'

/** Returns `reason` (to skip by), printing it; throws under CI. Undefined when nothing is missing. */
export function unavailable(what: string, reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined
  if (process.env.CI) throw new Error(`${what} cannot run under CI: ${reason}`)
  console.warn(`skipping ${what}: ${reason}`)
  return reason
}

export const needRoot = (): string | undefined =>
  process.getuid?.() === 0 ? undefined : 'not running as root (chroot, mounts and namespaces need it)'

/** The first of `paths` that is missing, as a reason naming the Debian package. */
export const needTool = (paths: string[], pkg: string): string | undefined =>
  paths.some((p) => existsSync(p)) ? undefined : `${paths[0]} is missing (apt-get install ${pkg})`
