// Errors are classes with a stable `code`; callers and tests branch on `code`, never on text.
// The CLI turns the code into the process status, in one table (cli/_exit.ts), and prints
// `Error: <message>` plus the hint.

export interface StoreErrorOptions {
  data?: Record<string, unknown>
  hint?: string
  cause?: unknown
}

export class StoreError extends Error {
  readonly code: string
  readonly data: Record<string, unknown>
  readonly hint?: string

  constructor(code: string, message: string, opts: StoreErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'StoreError'
    this.code = code
    this.data = opts.data ?? {}
    this.hint = opts.hint
  }
}

export function isStoreError(e: unknown, code?: string): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code)
}

/** Stable codes. Add here, never inline a new string elsewhere. */
export const Codes = {
  INVALID_DIGEST: 'INVALID_DIGEST',
  DIGEST_MISMATCH: 'DIGEST_MISMATCH',
  BLOB_NOT_FOUND: 'BLOB_NOT_FOUND',
  BLOB_CORRUPT: 'BLOB_CORRUPT',
  BAD_CODEC: 'BAD_CODEC',
  /** A pack's index is unreadable or disagrees with its pack (the pack is then not used). */
  PACK_CORRUPT: 'PACK_CORRUPT',
  /** A write found the file system full (ENOSPC, EDQUOT): the store is sound, free space and retry. */
  STORAGE_FULL: 'STORAGE_FULL',
  /** Any other failed read or write of the store's files (EIO, EROFS, ENOENT of a folder…). */
  IO_ERROR: 'IO_ERROR',
  TAR_INVALID: 'TAR_INVALID',
  TAR_TRUNCATED: 'TAR_TRUNCATED',
  GZIP_INVALID: 'GZIP_INVALID',
  PATH_ESCAPE: 'PATH_ESCAPE',
  LAYER_NOT_FOUND: 'LAYER_NOT_FOUND',
  LAYER_CORRUPT: 'LAYER_CORRUPT',
  INVALID_REFERENCE: 'INVALID_REFERENCE',
  IMAGE_NOT_FOUND: 'IMAGE_NOT_FOUND',
  IMAGE_IN_USE: 'IMAGE_IN_USE',
  IMAGE_AMBIGUOUS: 'IMAGE_AMBIGUOUS',
  ARCHIVE_INVALID: 'ARCHIVE_INVALID',
  NAME_NOT_UTF8: 'NAME_NOT_UTF8',
  LAYOUT_TOO_NEW: 'LAYOUT_TOO_NEW',
  LOCK_TIMEOUT: 'LOCK_TIMEOUT',
  /** Locks taken out of the one order (lib/lock/_order.ts): a bug, reported instead of a deadlock. */
  LOCK_ORDER: 'LOCK_ORDER',
  /** The file system of the store (or of an output file) is full. */
  NO_SPACE: 'NO_SPACE',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A flag's value that does not parse (Docker's CLI says so before any work: 125 from any command). */
  INVALID_FLAG: 'INVALID_FLAG',
  /** A layer that can never be applied here (a name, link or size), refused where it comes in. */
  LAYER_REFUSED: 'LAYER_REFUSED',
  /** `store cp` could not read or write what it was asked to copy. */
  COPY_FAILED: 'COPY_FAILED',
  /** The runtime could not start the command of `store exec` (Docker's 126). */
  EXEC_FAILED: 'EXEC_FAILED',
  /** A container's command could not be started: `data.status` is its status (126 not executable, 127 not found). */
  COMMAND_FAILED: 'COMMAND_FAILED',
  CONTAINER_NOT_FOUND: 'CONTAINER_NOT_FOUND',
  CONTAINER_RUNNING: 'CONTAINER_RUNNING',
  CONTAINER_NOT_RUNNING: 'CONTAINER_NOT_RUNNING',
  NAME_IN_USE: 'NAME_IN_USE',
  NO_COMMAND: 'NO_COMMAND',
  DRIVER_UNAVAILABLE: 'DRIVER_UNAVAILABLE',
  RUNTIME_UNAVAILABLE: 'RUNTIME_UNAVAILABLE',
  LAUNCH_FAILED: 'LAUNCH_FAILED',
  MOUNT_INVALID: 'MOUNT_INVALID',
  VOLUME_NOT_FOUND: 'VOLUME_NOT_FOUND',
  VOLUME_IN_USE: 'VOLUME_IN_USE',
  VOLUME_NAME_INVALID: 'VOLUME_NAME_INVALID',
  VOLUME_COPY_FAILED: 'VOLUME_COPY_FAILED',
  DOCKERFILE_PARSE: 'DOCKERFILE_PARSE',
  BUILD_FAILED: 'BUILD_FAILED',
  /** A Dockerfile flag BuildKit accepts and store does not implement: refused, never ignored. */
  UNSUPPORTED: 'UNSUPPORTED',
  /** The user stopped it (Ctrl-C): nothing was tagged, the store is sound. */
  CANCELED: 'CANCELED',
  FSCK_FAILED: 'FSCK_FAILED',
  /** More than 255 symlinks while resolving one path inside a root (the kernel's ELOOP). */
  SYMLINK_LOOP: 'SYMLINK_LOOP',
  /** A live tree (a running container's) changed under a read: a dir became something else. */
  TREE_CHANGED: 'TREE_CHANGED',
  /** A registry that cannot be reached (DNS, connection, TLS). */
  REGISTRY_UNREACHABLE: 'REGISTRY_UNREACHABLE',
  /** A registry refused the credentials, or asked for some the user has not given. */
  REGISTRY_DENIED: 'REGISTRY_DENIED',
  /** A registry's answer store cannot use (an error status, a manifest it does not know). */
  REGISTRY_ERROR: 'REGISTRY_ERROR',
  /** What a registry was asked for is not there (`manifest unknown`). */
  NOT_FOUND: 'NOT_FOUND',
} as const
