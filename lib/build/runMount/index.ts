// RUN --mount for the executor: plan every mount of a step (its cache-key parts), then prepare
// them when the step runs. bind, cache, tmpfs and secret are implemented; ssh and a secret as
// an environment variable are refused by the executor before this is reached.

import type { ContainerMount } from '../../container/types.js'
import type { RunMountSpec } from '../parser/index.js'
import { planBind } from './bind.js'
import { planCache } from './cache.js'
import { planSecret } from './secret.js'
import type { MountSources, PlannedMount, Prepared } from './types.js'

export type { MountSources, PlannedMount, Prepared } from './types.js'
export { parseSecretFlag, openSecrets, noSecrets, MAX_SECRET_SIZE, type SecretSource, type Secrets } from './secrets.js'
export { cacheMountsUsage, removeCacheMounts } from './cache.js'
export { mountpointPaths, withoutMountpoints } from './mountpoints.js'

export interface StepMounts {
  /** One entry per mount, in order: the step's cache key includes them. */
  keys: string[]
  /** Host sides made in `dir`; mounts parents first. release() undoes what prepare took. */
  prepare(dir: string): Promise<Prepared>
}

export async function planRunMounts(specs: RunMountSpec[], src: MountSources): Promise<StepMounts> {
  const planned: PlannedMount[] = []
  for (const [i, spec] of specs.entries()) {
    const name = `mount-${i}`
    switch (spec.type) {
      case 'bind':
        planned.push(await planBind(spec, src, name))
        break
      case 'cache':
        planned.push(await planCache(spec, src))
        break
      case 'tmpfs': {
        const m: ContainerMount = { type: 'tmpfs', source: '', destination: spec.target, readonly: spec.readonly, propagation: '', ...(spec.size === undefined ? {} : { size: spec.size }) }
        planned.push({ key: JSON.stringify(['tmpfs', spec.target, spec.readonly, spec.size ?? null]), prepare: async () => ({ mounts: [m] }) })
        break
      }
      case 'secret':
        planned.push(planSecret({ ...spec, target: spec.target! }, src, name))
        break
      case 'ssh':
        throw new Error('ssh mounts are refused before planning')
    }
  }
  return {
    keys: planned.map((p) => p.key),
    async prepare(dir) {
      const mounts: ContainerMount[] = []
      const releases: (() => Promise<void>)[] = []
      const release = async () => {
        for (const r of releases.reverse()) await r().catch(() => {})
      }
      try {
        for (const p of planned) {
          const got = await p.prepare(dir)
          mounts.push(...got.mounts)
          if (got.release) releases.push(got.release)
        }
      } catch (e) {
        await release()
        throw e
      }
      // Parents before children (a cache inside a bound source dir), else in the order given.
      const depth = (m: ContainerMount) => m.destination.split('/').filter(Boolean).length
      mounts.sort((a, b) => depth(a) - depth(b))
      return { mounts, release }
    },
  }
}
