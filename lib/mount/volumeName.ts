// Names of local volumes (moby volume/local): `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`. The rule also
// keeps a name from ever leaving volumes/: no `/`, no NUL, and `.`/`..` cannot match (the first
// character must be alphanumeric). Pure.

import { Codes, StoreError } from '../errors.js'
import { goQuote } from './_go.js'

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
const RESTRICTED_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]'

export function isValidVolumeName(name: string): boolean {
  return VALID.test(name)
}

/** Docker's complaint about a volume name, or undefined when the name is fine. */
export function volumeNameProblem(name: string): string | undefined {
  // Counted in bytes, like Go's len(): "é" is two bytes, so it gets the invalid-characters text.
  if (new TextEncoder().encode(name).length === 1) return 'volume name is too short, names should be at least two alphanumeric characters'
  if (!VALID.test(name)) {
    return `${goQuote(name)} includes invalid characters for a local volume name, only ${goQuote(RESTRICTED_CHARS)} are allowed. If you intended to pass a host directory, use absolute path`
  }
  return undefined
}

/** Throws VOLUME_NAME_INVALID with Docker's message. */
export function validateVolumeName(name: string): string {
  const problem = volumeNameProblem(name)
  if (problem !== undefined) throw new StoreError(Codes.VOLUME_NAME_INVALID, problem, { data: { name } })
  return name
}
