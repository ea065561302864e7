import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  container: string
  follow?: boolean
}

export const logsCommand: CommandModule<object, Args> = {
  command: 'logs <container>',
  describe: 'Fetch the logs of a container',
  builder: (y) => y.positional('container', { type: 'string', demandOption: true }).option('follow', { alias: 'f', type: 'boolean', describe: 'Follow log output' }) as any,
  handler: async (argv) => {
    const store = await getStore(argv)
    const c = await import('../../lib/container/index.js')
    const { writeStream } = await import('../_output.js')
    await writeStream(c.containerLogs(store, await c.requireContainer(store, argv.container), !!argv.follow))
  },
}
