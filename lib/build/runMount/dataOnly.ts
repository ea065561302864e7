// A read-only RUN --mount of a data-only stage's dir: overlayfs over the dir of the stage's
// metadata-only tree and the pool as its data-only lower, so the stubs' bytes are read where
// they are (nothing is copied or linked). The single lower is the last before the data-only
// one, as overlayfs (6.18) needs to follow a stub. The option names short links in the step's
// dir (a path with `:` or `,` would split overlayfs' option), made next to the step's mounts.

import { symlinkSync } from 'node:fs'
import { dataLowers } from '../../driver/_stubs.js'
import type { ContainerMount } from '../../container/types.js'

/** The overlay mount for dir `rel` of `lowers` (top-most first), or undefined when it is not one data-only tree. */
export async function dataOnlyMount(lowers: string[], rel: string, stepDir: string, name: string): Promise<Pick<ContainerMount, 'type' | 'source' | 'options'> | undefined> {
  const pools = dataLowers(lowers)
  if (lowers.length !== 1 || pools.length !== 1 || !/^[A-Za-z0-9/._-]+$/.test(stepDir + name)) return undefined
  const lower = `${stepDir}/${name}.lower`
  const data = `${stepDir}/${name}.data`
  symlinkSync(rel ? `${lowers[0]}/${rel}` : lowers[0], lower)
  symlinkSync(pools[0], data)
  return { type: 'overlay', source: 'overlay', options: [`lowerdir=${lower}::${data}`] }
}
