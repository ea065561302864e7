// Checks over a whole set of mounts, after parsing. Pure: the one check that needs the file
// system takes it as a function, so the caller decides what "exists" means (Docker: os.Stat,
// which follows symlinks).

import { cleanPath } from '../_gopath.js'
import { mountConfig, mountError } from './_errors.js'
import type { MountSpec } from './types.js'

/** Two mounts on one target: `Duplicate mount point: <target>` (moby registerMountPoints). */
export function checkDuplicates(specs: readonly MountSpec[]): void {
  const seen = new Set<string>()
  for (const s of specs) {
    const t = cleanPath(s.target)
    if (seen.has(t)) throw mountError(`Duplicate mount point: ${t}`, { target: t })
    seen.add(t)
  }
}

/**
 * A `--mount type=bind` whose source is missing fails, unless `bind-create-src` (or `-v`, which
 * creates it) asked for it to be made.
 */
export function validateMountSources(specs: readonly MountSpec[], exists: (path: string) => boolean): void {
  for (const s of specs) {
    if (s.kind === 'bind' && !s.bindCreateSrc && !exists(s.source)) {
      throw mountError(mountConfig('bind', `bind source path does not exist: ${s.source}`), { source: s.source })
    }
  }
}
