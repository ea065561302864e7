import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const startCommand = defineCommand({
  command: 'start <containers..>',
  describe: 'Start one or more stopped containers',
  positionals: { containers: { type: 'string', array: true, demandOption: true } },
  flags: { attach: { alias: 'a', type: 'boolean', describe: "Attach STDOUT/STDERR and forward signals" } },
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
})
