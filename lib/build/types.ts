// What a build is given and what it gives back (executor.ts).

import type { Digest } from '../digest/digest.js'
import type { ProgressView } from './progress.js'
import type { Secrets } from './runMount/index.js'
import type { LauncherName } from '../runtime/types.js'

export interface BuildOptions {
  /** Build context folder; undefined when the Dockerfile came from stdin without one. */
  context?: string
  dockerfile: string
  /** Where the Dockerfile came from, for messages. */
  dockerfileName?: string
  tags?: string[]
  buildArgs?: Record<string, string>
  target?: string
  noCache?: boolean
  labels?: Record<string, string>
  /** Clamp timestamps for reproducible images (SOURCE_DATE_EPOCH). */
  sourceDateEpoch?: number
  progress?: ProgressView
  /** Aborting it cancels the build (Ctrl-C). */
  signal?: AbortSignal
  /** The launcher every RUN step uses (`--runtime`); default the built-in one. */
  launcher?: LauncherName
  /** `build --network`: the RUN steps' network unless a step names its own (default: the default bridge as root, else the host's). */
  network?: 'default' | 'host' | 'none'
  /** `--secret` values, for RUN --mount=type=secret (runMount/secrets.ts). */
  secrets?: Secrets
}

export interface BuildResult {
  id: Digest
  tags: string[]
  steps: number
  cached: number
}
