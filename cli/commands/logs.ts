import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const logsCommand = defineCommand({
  command: 'logs <container>',
  describe: 'Fetch the logs of a container',
  positionals: { container: { type: 'string', demandOption: true } },
  flags: {
    follow: { alias: 'f', type: 'boolean', describe: 'Follow log output' },
    since: { type: 'string', describe: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    tail: { alias: 'n', type: 'string', describe: 'Number of lines to show from the end of the logs (default "all")' },
    timestamps: { alias: 't', type: 'boolean', describe: 'Show timestamps' },
    until: { type: 'string', describe: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError, containerLogs } = await import('../../lib/index.js')
    // Docker: "all", or a number (a negative one is all too).
    const t = argv.tail === undefined || argv.tail === 'all' ? undefined : Number(argv.tail)
    if (t !== undefined && !Number.isInteger(t)) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid value for "tail": ${argv.tail}`)
    const logs = containerLogs(store, argv.container, { follow: argv.follow, tail: t === undefined || t < 0 ? undefined : t, since: argv.since, until: argv.until, timestamps: argv.timestamps })
    // The container's stdout to ours, its stderr to ours, as Docker's client splits them.
    for await (const piece of logs) {
      const out = piece.stream === 'stderr' ? process.stderr : process.stdout
      if (!out.write(piece.data)) await new Promise((r) => out.once('drain', r))
    }
  },
})
