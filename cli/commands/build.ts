import { defineCommand } from '../_command.js'
import { dash, getStore } from '../_context.js'

const pairs = (list: string[] = [], env?: NodeJS.ProcessEnv) => {
  const out: Record<string, string> = {}
  for (const kv of list) {
    const i = kv.indexOf('=')
    if (i < 0) {
      // --build-arg NAME takes the value from the environment, as Docker does.
      if (env?.[kv] !== undefined) out[kv] = env[kv]!
    } else out[kv.slice(0, i)] = kv.slice(i + 1)
  }
  return out
}

export const buildCommand = defineCommand({
  command: 'build [context]',
  describe: 'Build an image from a Dockerfile (a positional that is a file is the Dockerfile; - reads it from stdin)',
  positionals: { context: { type: 'string', describe: 'CONTEXT dir, a Dockerfile, or -' } },
  flags: {
    file: { alias: 'f', type: 'string', describe: "Name of the Dockerfile (default: 'CONTEXT/Dockerfile'; - for stdin)" },
    // nargs 1: repeatable, but not greedy (`-t name .` must leave `.` as the context).
    tag: { alias: 't', type: 'string', array: true, nargs: 1, describe: "Name and optionally a tag (format: 'name:tag')" },
    'build-arg': { type: 'string', array: true, nargs: 1, describe: 'Set build-time variables' },
    target: { type: 'string', describe: 'Set the target build stage to build' },
    'no-cache': { type: 'boolean', describe: 'Do not use cache when building the image' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress the build output and print image ID on success' },
    iidfile: { type: 'string', describe: 'Write the image ID to the file' },
    progress: { type: 'string', choices: ['auto', 'plain', 'tty', 'quiet'], default: 'auto', describe: 'Type of progress output: auto (a live view on a terminal), plain, tty, quiet' },
    label: { type: 'string', array: true, nargs: 1, describe: 'Set metadata for an image' },
    runtime: { type: 'string', choices: ['builtin', 'runc', 'crun'], describe: 'Runtime for the RUN steps (default: builtin)' },
    network: { type: 'string', choices: ['default', 'host', 'none'], default: 'default', describe: 'Set the networking mode for the RUN instructions during build' },
    secret: { type: 'string', array: true, nargs: 1, describe: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=mysecret,env=VAR")' },
  },
  examples: [
    ['store build Dockerfile -t acme/app', 'the file is the Dockerfile, its folder the context'],
    ['id=$(store build -q .)', ''],
    ['store build --progress plain .', 'the plain log even on a terminal'],
    ['store build --secret id=npmrc,src=$HOME/.npmrc .', 'RUN --mount=type=secret,id=npmrc reads it at /run/secrets/npmrc'],
  ],
  handler: async (argv) => {
    const store = await getStore(argv)
    const { buildImage, buildProgressView } = await import('../../lib/index.js')
    const quiet = argv.quiet || argv.progress === 'quiet'
    const sde = process.env.SOURCE_DATE_EPOCH
    // Ctrl-C cancels the build (the running step is killed, the store left sound); a second one
    // leaves at once.
    const cancel = new AbortController()
    const onSignal = () => (cancel.signal.aborted ? process.exit(130) : cancel.abort())
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal)
    const r = await buildImage(store, {
      // No positional: the current folder is the context (Docker requires one; we default it).
      context: dash(argv.context) ?? '.', file: dash(argv.file), stdin: process.stdin, secrets: argv.secret, secretEnv: process.env,
      tags: argv.tag, buildArgs: pairs(argv['build-arg'], process.env),
      target: argv.target, noCache: argv['no-cache'], labels: pairs(argv.label),
      sourceDateEpoch: sde !== undefined && /^\d+$/.test(sde) ? Number(sde) : undefined,
      view: quiet ? undefined : await buildProgressView(argv.progress === 'tty' || argv.progress === 'plain' ? argv.progress : 'auto', process.stderr, !process.env.NO_COLOR),
      signal: cancel.signal, launcher: argv.runtime, network: argv.network as 'default' | 'host' | 'none',
    })
    if (argv.iidfile) await (await import('node:fs/promises')).writeFile(argv.iidfile, r.id)
    if (quiet) process.stdout.write(`${r.id}\n`)
  },
})
