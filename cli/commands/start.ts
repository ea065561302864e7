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
    const c = await import('../../lib/container/index.js')
    for (const name of argv.containers) {
      const rec = await c.requireContainer(store, name)
      c.assertStartable(rec)
      if (argv.attach) {
        process.exitCode = await c.supervise(store, rec, { stdio: 'inherit' })
        return
      }
      await c.startDetached(store, rec)
      process.stdout.write(`${name}\n`)
    }
  },
}
