// Failed reads and writes of the store's own files, as errors.

import { Codes, StoreError, isStoreError } from '../errors.js'

export const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

/**
 * A failed read or write of the store's own files, said as what it is, never as corruption:
 * STORAGE_FULL for ENOSPC/EDQUOT, IO_ERROR otherwise, with the errno and the path, in the
 * words Docker uses (`write /var/lib/…: no space left on device`). A StoreError passes as it is.
 */
export function ioError(e: unknown, path: string, op = 'write'): StoreError {
  if (isStoreError(e)) return e
  const err = e as NodeJS.ErrnoException
  const code = errno(e)
  const full = code === 'ENOSPC' || code === 'EDQUOT'
  // Node's "ENOSPC: no space left on device, write '/x'" -> "no space left on device".
  const why = /^[A-Z0-9_]+: (.*?), \w+/.exec(err?.message ?? '')?.[1] ?? err?.message ?? String(e)
  return new StoreError(full ? Codes.STORAGE_FULL : Codes.IO_ERROR, `${err?.syscall ?? op} ${err?.path ?? path}: ${why}`, {
    data: { path: err?.path ?? path, errno: code },
    hint: full ? 'free space on the file system that holds the store, then retry' : undefined,
    cause: e,
  })
}
