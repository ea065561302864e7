// RUN --mount, the executor's side: each resolved mount spec (parser/runMount.ts) becomes a
// PlannedMount before the step's cache key is made, and ContainerMounts once the step runs.
// Lifecycle of one RUN:
//   plan (every build, hit or miss): resolve sources inside their roots, hash what the key
//     needs (a bind source's content, a mount's definition; never a secret's value);
//   prepare (a miss only, in the step's private temp dir): make the host side — a copy or
//     hard-link tree of a bind source, a cache dir (and its lock), a secret file — and return
//     the container mounts; release() after the container is gone (locks), the temp dir goes
//     with the step.

import type { ContainerMount } from '../../container/types.js'
import type { LayerRecord } from '../../layer/index.js'
import type { Store } from '../../store.js'
import type { ContextHasher, IgnoreFn } from '../context.js'
import type { Secrets } from './secrets.js'

/** What a mount may read from the build: the context, other stages and images, secrets. */
export interface MountSources {
  store: Store
  /** Build context folder; undefined when the Dockerfile came from stdin. */
  context?: string
  /** .dockerignore of the context: what is ignored is not in a bind mount either (as BuildKit). */
  ignore: IgnoreFn
  hasher: ContextHasher
  /** `from=`: a stage before this one or an image: its layers and the key of its content. */
  resolveFrom(ref: string): Promise<{ layers: LayerRecord[]; key: string }>
  secrets: Secrets
}

export interface Prepared {
  mounts: ContainerMount[]
  /** After the step's container is removed (a cache lock); the temp dir is removed anyway. */
  release?: () => Promise<void>
}

export interface PlannedMount {
  /** This mount's part of the RUN cache key. */
  key: string
  /** Make the host side in `dir` (the step's own temp dir, 0700, removed after the step). */
  prepare(dir: string): Promise<Prepared>
}
