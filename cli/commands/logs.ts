import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const logsCommand = defineCommand({
  command: 'logs <container>',
  describe: 'Fetch the logs of a container',
  positionals: { container: { type: 'string', demandOption: true } },
  flags: {
    follow: { alias: 'f', type: 'boolean', describe: 'Follow log output' },
    tail: { alias: 'n', type: 'string', describe: 'Number of lines to show from the end of the logs (default "all")' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError, containerLogs } = await import('../../lib/index.js')
    const { writeStream } = await import('../_output.js')
    // Docker: "all", or a number (a negative one is all too).
    const t = argv.tail === undefined || argv.tail === 'all' ? undefined : Number(argv.tail)
    if (t !== undefined && !Number.isInteger(t)) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid value for "tail": ${argv.tail}`)
    await writeStream(containerLogs(store, argv.container, { follow: argv.follow, tail: t === undefined || t < 0 ? undefined : t }))
  },
})
