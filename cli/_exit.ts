// The one table of exit statuses for errors, with Docker's phase rule. Docker's CLI exits 125
// for whatever fails in `run` and `create` before the container's own command runs (a bad flag,
// a missing image, a user not in /etc/passwd); 126 and 127 are the command's own failures (not
// executable, not found) and reach us as the container's status, not as errors; every other
// command exits 1 for what it was asked and cannot do. Ours adds 125 for the store itself
// failing (a corrupt blob, an I/O error, a lock never released), which no input fixes.

import type { Codes } from '../lib/index.js'
import { GLOBAL_FLAGS, flagWords } from './_flags.js'

type Code = (typeof Codes)[keyof typeof Codes]

/** The store's own faults: 125 from any command. Every other code is the user's: 1. */
// (The codes as their literal values, type-checked against lib's table: the CLI does not load the
// library to exit.)
const STORE_FAULTS: ReadonlySet<Code> = new Set<Code>([
  'BAD_CODEC', 'BLOB_CORRUPT', 'BLOB_NOT_FOUND', 'PACK_CORRUPT', 'DIGEST_MISMATCH',
  'LAYER_CORRUPT', 'LAYER_NOT_FOUND', 'LAYOUT_TOO_NEW', 'LOCK_ORDER', 'LOCK_TIMEOUT',
  'IO_ERROR', 'STORAGE_FULL', 'NO_SPACE', 'DRIVER_UNAVAILABLE', 'RUNTIME_UNAVAILABLE',
  'TREE_CHANGED', 'VOLUME_COPY_FAILED',
])

/** Statuses that belong to a code whatever the command. */
const FIXED: Partial<Record<Code, number>> = {
  CANCELED: 130, // Ctrl-C: 128 + SIGINT, as a shell reports it
  EXEC_FAILED: 126,
  INVALID_FLAG: 125,
}

/** `run` and `create`, also as `container run|create`: the commands of Docker's phase rule. */
const PHASED = new Set(['run', 'create'])

/** The command word of argv (after global flags and a `container` group). */
export function commandOf(argv: readonly string[]): string | undefined {
  const globals = flagWords(GLOBAL_FLAGS).values
  const words = argv.filter((a, i) => !a.startsWith('-') && !globals.includes(argv[i - 1] ?? ''))
  return words[0] === 'container' || words[0] === 'image' ? words[1] : words[0]
}

/** The exit status for an error (its `code`, and `data.status` for a command that could not start), raised by `command`. */
export function exitStatus(e: { code?: string; data?: { status?: unknown } }, command: string | undefined): number {
  const code = e.code
  if (code === 'COMMAND_FAILED' && typeof e.data?.status === 'number') return e.data.status
  const fixed = FIXED[code as Code]
  if (fixed !== undefined) return fixed
  if (command !== undefined && PHASED.has(command)) return 125
  if (code === undefined || STORE_FAULTS.has(code as Code)) return 125
  return 1
}
