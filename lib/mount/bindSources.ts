// `-v /host/path:/x` creates a missing host path as a directory (0755, parents too), as Docker
// does; `--mount type=bind` only with bind-create-src. The rest of bind checking is pure (check.ts).

import { mkdir } from 'node:fs/promises'
import { existsSync, realpathSync } from 'node:fs'
import { validateMountSources } from './check.js'
import type { MountSpec } from './types.js'

/** Fails for a missing `--mount` bind source, then creates the missing ones that may be created. */
export async function prepareBindSources(specs: readonly MountSpec[]): Promise<string[]> {
  validateMountSources(specs, existsSync)
  const made: string[] = []
  for (const s of specs) {
    if (s.kind !== 'bind' || existsSync(s.source)) continue
    await mkdir(s.source, { recursive: true, mode: 0o755 })
    made.push(s.source)
  }
  return made
}

/**
 * Bind sources with their symlinks resolved on the host: the path is the user's own, so it is
 * followed as `mount --bind` would (a symlink to a dir mounts the dir), before the runtime
 * checks what kind of entry it is. A missing source is kept as given (-v creates it later).
 */
export function resolveBindSources<T extends MountSpec>(specs: readonly T[]): T[] {
  return specs.map((s) => {
    if (s.kind !== 'bind' || !existsSync(s.source)) return s
    return { ...s, source: realpathSync(s.source) }
  })
}
