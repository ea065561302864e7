// `store run [OPTIONS] IMAGE [COMMAND] [ARG...]`: everything after IMAGE belongs to the
// container's command, even words that look like options (`store run busybox ls -la`), as in
// Docker. yargs cannot stop there by itself, so we split argv before it parses.

const VALUE_OPTS: Record<string, string[]> = {
  run: ['--name', '-e', '--env', '--env-file', '-w', '--workdir', '-u', '--user', '--entrypoint', '-v', '--volume', '--mount', '--tmpfs', '--network', '--net', '--hostname', '--label', '-l', '--runtime', '--stop-signal', '--stop-timeout', '--root', '--storage-driver'],
  exec: ['-e', '--env', '-u', '--user', '-w', '--workdir', '--root', '--storage-driver'],
}
VALUE_OPTS.create = VALUE_OPTS.run

/** Container command words, set when argv was split (read by run/create/exec handlers). */
export let containerCommand: string[] = []

export function splitContainerArgs(argv: string[]): string[] {
  // Skip global options before the command word.
  let i = 0
  while (i < argv.length && argv[i].startsWith('-')) i += argv[i].includes('=') || !['--root', '--storage-driver'].includes(argv[i]) ? 1 : 2
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
