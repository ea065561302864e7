// Files of the installed package that the library starts as processes. This module sits one
// level under dist/ once compiled (dist/lib/_paths.js), as the bundled CLI and its chunks do
// (dist/cli/*.js, scripts/bundle.mjs): the same relative path is right in both layouts.

import { fileURLToPath } from 'node:url'

/** The per-container monitor of detached containers. */
export const monitorScript = (): string => fileURLToPath(new URL('../cli/monitor.js', import.meta.url))
