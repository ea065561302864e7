import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'
import { eachContainer } from './lifecycle.js'

export const rmCommand = defineCommand({
  command: 'rm <containers..>',
  describe: 'Remove one or more containers',
  positionals: { containers: { type: 'string', array: true, demandOption: true } },
  flags: {
    force: { alias: 'f', type: 'boolean', describe: 'Force the removal of a running container (uses SIGKILL)' },
    volumes: { alias: 'v', type: 'boolean', describe: 'Remove anonymous volumes associated with the container' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { removeContainer } = await import('../../lib/index.js')
    await eachContainer(argv.containers, async (name) => {
      await removeContainer(store, name, { force: argv.force, volumes: argv.volumes })
      process.stdout.write(`${name}\n`)
    })
  },
})
