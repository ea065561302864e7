import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  containers: string[]
  attach?: boolean
}

export const startCommand: CommandModule<object, Args> = {
  command: 'start <containers..>',
  describe: 'Start one or more stopped containers',
  builder: (y) => y.positional('containers', { type: 'string', array: true, demandOption: true }).option('attach', { alias: 'a', type: 'boolean', describe: "Attach STDOUT/STDERR and forward signals" }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { startContainer } = await import('../../lib/index.js')
    for (const name of argv.containers) {
      if (argv.attach) {
        process.exitCode = await startContainer(store, name, { attach: true })
        return
      }
      await startContainer(store, name)
      process.stdout.write(`${name}\n`)
    }
  },
}
