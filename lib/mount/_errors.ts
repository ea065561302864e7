// Mount errors carry Docker's exact words; `store run`/`create` exit 125 for them, as Docker does
// for anything that fails before the container starts.

import { Codes, StoreError } from '../errors.js'

export function mountError(message: string, data: Record<string, unknown> = {}, hint?: string): StoreError {
  return new StoreError(Codes.MOUNT_INVALID, message, { data, hint })
}

/** moby's errMountConfig: `invalid mount config for type "<type>": <what>`. */
export const mountConfig = (type: string, what: string): string => `invalid mount config for type "${type}": ${what}`

/** moby's errInvalidSpec. */
export const invalidSpec = (spec: string): string => `invalid volume specification: '${spec}'`

export const mustBeAbsolute = (p: string): string => `invalid mount path: '${p}' mount path must be absolute`

export const TARGET_IS_ROOT = "invalid specification: destination can't be '/'"
