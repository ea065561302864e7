// Files of the installed package that the library starts as processes. This module sits one
// level under dist/ once compiled (dist/lib/_paths.js), as the bundled CLI and its chunks do
// (dist/cli/*.js, scripts/bundle.mjs): the same relative path is right in both layouts.

import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The per-container monitor of detached containers. */
export const monitorScript = (): string => fileURLToPath(new URL('../cli/monitor.js', import.meta.url))

/**
 * The built-in launcher's native half (native/*.c, compiled by scripts/build-native.mjs into
 * dist/native/). From the sources (specs run lib/ directly) it is the one under dist/.
 */
export const launcherBinary = (): string => {
  const installed = fileURLToPath(new URL('../native/store-launch', import.meta.url))
  return existsSync(installed) ? installed : fileURLToPath(new URL('../dist/native/store-launch', import.meta.url))
}
