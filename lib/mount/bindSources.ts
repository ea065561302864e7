// `-v /host/path:/x` creates a missing host path as a directory (0755, parents too), as Docker
// does; `--mount type=bind` only with bind-create-src. The rest of bind checking is pure (check.ts).

import { mkdir } from 'node:fs/promises'
import { existsSync } from 'node:fs'
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
