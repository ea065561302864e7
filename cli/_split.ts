// `store run [OPTIONS] IMAGE [COMMAND] [ARG...]`: everything after IMAGE belongs to the
// container's command, even words that look like options (`store run busybox ls -la`), as in
// Docker. yargs cannot stop there by itself, so we split argv before it parses.

const VALUE_OPTS: Record<string, string[]> = {
  run: ['--name', '-e', '--env', '--env-file', '-w', '--workdir', '-u', '--user', '--entrypoint', '-v', '--volume', '--mount', '--tmpfs', '--network', '--net', '-p', '--publish', '--expose', '-m', '--memory', '--memory-swap', '--cpus', '-c', '--cpu-shares', '--pids-limit', '--restart', '--add-host', '--dns', '--dns-search', '--dns-option', '--hostname', '--label', '-l', '--runtime', '--stop-signal', '--stop-timeout', '--cap-add', '--cap-drop', '--security-opt', '--root', '--storage-driver', '--snapshot-budget'],
  exec: ['-e', '--env', '-u', '--user', '-w', '--workdir', '--root', '--storage-driver', '--snapshot-budget'],
}
VALUE_OPTS.create = VALUE_OPTS.run

// The flags that take no value; anything neither here nor in VALUE_OPTS is Docker's
// `unknown flag` (otherwise yargs would take the next word, the image, as its value).
const BOOL_OPTS: Record<string, string[]> = {
  run: ['--rm', '-d', '--detach', '-i', '--interactive', '-t', '--tty', '--read-only', '--init', '--privileged', '-P', '--publish-all', '-h', '--help'],
  create: ['-i', '--interactive', '-t', '--tty', '--read-only', '--init', '--privileged', '-P', '--publish-all', '-h', '--help'],
  exec: ['-i', '--interactive', '-t', '--tty', '-h', '--help'],
}

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
  const values = VALUE_OPTS[cmd]
  const bools = BOOL_OPTS[cmd]
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
  while (i < argv.length && argv[i].startsWith('-')) i += argv[i].includes('=') || !['--root', '--storage-driver', '--snapshot-budget'].includes(argv[i]) ? 1 : 2
  // `store container run|create|exec …` splits as the top-level command does.
  group = []
  if (argv[i] === 'container' && VALUE_OPTS[argv[i + 1]]) {
    group = ['container']
    i++
  }
  const cmd = argv[i]
  const opts = VALUE_OPTS[cmd]
  if (!opts) return argv
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
