// The body of the CLI, bundled into dist/cli/store.cjs and started by main.ts (see there).

import { run } from './_run.js'

void run(process.argv.slice(2))
