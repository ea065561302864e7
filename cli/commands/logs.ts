import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  container: string
  follow?: boolean
  tail?: string
}

export const logsCommand: CommandModule<object, Args> = {
  command: 'logs <container>',
  describe: 'Fetch the logs of a container',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true })
      .option('follow', { alias: 'f', type: 'boolean', describe: 'Follow log output' })
      .option('tail', { alias: 'n', type: 'string', describe: 'Number of lines to show from the end of the logs (default "all")' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError, containerLogs } = await import('../../lib/index.js')
    const { writeStream } = await import('../_output.js')
    // Docker: "all", or a number (a negative one is all too).
    const t = argv.tail === undefined || argv.tail === 'all' ? undefined : Number(argv.tail)
    if (t !== undefined && !Number.isInteger(t)) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid value for "tail": ${argv.tail}`)
    await writeStream(containerLogs(store, argv.container, { follow: argv.follow, tail: t === undefined || t < 0 ? undefined : t }))
  },
}
