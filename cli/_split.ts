// `store run [OPTIONS] IMAGE [COMMAND] [ARG...]`: everything after IMAGE belongs to the
// container's command, even words that look like options (`store run busybox ls -la`), as in
// Docker. yargs cannot stop there by itself, so we split argv before it parses.

import type { Options } from 'yargs'
import { CONTAINER_FLAGS, EXEC_FLAGS, GLOBAL_FLAGS, RUN_FLAGS, flagWords } from './_flags.js'

// What each command's flags are, from the tables its builder gives yargs (plus the global ones
// and --help); anything else is Docker's `unknown flag` (otherwise yargs would take the next
// word, the image, as its value).
const known = (flags: Record<string, Options>) => flagWords({ ...flags, ...GLOBAL_FLAGS, help: { alias: 'h', type: 'boolean' } })
const FLAGS: Record<string, { values: string[]; bools: string[] }> = { run: known(RUN_FLAGS), create: known(CONTAINER_FLAGS), exec: known(EXEC_FLAGS) }

/** How yargs defines them (for the usage line of an error). */
const DEFINED: Record<string, string> = { run: 'run <image> [command..]', create: 'create <image> [command..]', exec: 'exec <container> [command..]' }

/** `container` when the command came as `store container run …`. */
let group: string[] = []

/** Docker's message for a flag the command does not have (`docker run --bogus x`: exit 125). */
function unknownFlag(cmd: string, message: string): Error {
  return Object.assign(new Error(message), { usage: true, exit: 125, context: { commands: [...group, cmd], full: [...group, DEFINED[cmd]] } })
}

/** Throws for a flag word `a` that `cmd` does not know. */
function checkFlag(cmd: string, a: string): void {
  const { values, bools } = FLAGS[cmd]
  if (a.startsWith('--')) {
    const name = a.split('=', 1)[0]
    if (!values.includes(name) && !bools.includes(name)) throw unknownFlag(cmd, `unknown flag: ${name}`)
    return
  }
  // A group of short flags (`-it`, `-dit`); a short flag that takes a value ends the group.
  for (const ch of a.slice(1)) {
    if (ch === '=') return
    if (values.includes(`-${ch}`)) return
    if (!bools.includes(`-${ch}`)) throw unknownFlag(cmd, `unknown shorthand flag: '${ch}' in ${a}`)
  }
}

/** Container command words, set when argv was split (read by run/create/exec handlers). */
export let containerCommand: string[] = []

export function splitContainerArgs(argv: string[]): string[] {
  // Skip global options before the command word.
  let i = 0
  const globals = flagWords(GLOBAL_FLAGS).values
  while (i < argv.length && argv[i].startsWith('-')) i += argv[i].includes('=') || !globals.includes(argv[i]) ? 1 : 2
  // `store container run|create|exec …` splits as the top-level command does.
  group = []
  if (argv[i] === 'container' && FLAGS[argv[i + 1]]) {
    group = ['container']
    i++
  }
  const cmd = argv[i]
  if (!FLAGS[cmd]) return argv
  const opts = FLAGS[cmd].values
  let j = i + 1
  let positionals = 0
  const need = 1 // IMAGE (run/create) or CONTAINER (exec)
  while (j < argv.length) {
    const a = argv[j]
    if (a === '--') {
      j++
      break
    }
    if (a.startsWith('-') && a !== '-') {
      checkFlag(cmd, a)
      j += a.includes('=') || !opts.includes(a) ? 1 : 2
      continue
    }
    positionals++
    j++
    if (positionals === need) break
  }
  containerCommand = argv.slice(j)
  return argv.slice(0, j)
}
