#!/usr/bin/env -S node --
// store: the command line. Commands are declarations with short handlers; each handler loads
// what it needs lazily, so `store --version` in a pipeline starts in tens of milliseconds.

import { VERSION } from './version.js'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  // Fast path: no yargs, no store.
  process.stdout.write(`store version ${VERSION}\n`)
  process.exit(0)
}

const { run } = await import('./_run.js')
await run(argv)
