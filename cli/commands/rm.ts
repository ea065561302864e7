import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'
import { eachContainer } from './lifecycle.js'

interface Args extends GlobalArgs {
  containers: string[]
  force?: boolean
  volumes?: boolean
}

export const rmCommand: CommandModule<object, Args> = {
  command: 'rm <containers..>',
  describe: 'Remove one or more containers',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, demandOption: true })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Force the removal of a running container (uses SIGKILL)' })
      .option('volumes', { alias: 'v', type: 'boolean', describe: 'Remove anonymous volumes associated with the container' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { removeContainer } = await import('../../lib/index.js')
    await eachContainer(argv.containers, async (name) => {
      await removeContainer(store, name, { force: argv.force, volumes: argv.volumes })
      process.stdout.write(`${name}\n`)
    })
  },
}
