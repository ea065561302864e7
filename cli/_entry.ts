// The body of the CLI, bundled into dist/cli/store.cjs and started by main.ts (see there).

import { run } from './_run.js'

// A reader that went away (`store system df -v | head -1`): stop quietly with the status a
// process killed by SIGPIPE has, as Docker's CLI does (Node ignores SIGPIPE and would throw).
// An attached run's output (lib/runtime/launch.ts tee) listens too: it closes the container's
// pipe instead, so the container ends as it would have, and the run records it (and --rm).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') {
    if ((process.stdout as unknown as Record<symbol, unknown>)[Symbol.for('store.attached')]) return
    process.exit(141)
  }
  throw e
})

void run(process.argv.slice(2))
