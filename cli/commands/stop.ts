import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  containers: string[]
  time?: number
  signal?: string
}

export const stopCommand: CommandModule<object, Args> = {
  command: 'stop <containers..>',
  describe: 'Stop one or more running containers',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, demandOption: true })
      .option('time', { alias: 't', type: 'number', describe: 'Seconds to wait before killing the container' })
      .option('signal', { alias: 's', type: 'string', describe: 'Signal to send to the container' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { stopContainer } = await import('../../lib/index.js')
    for (const name of argv.containers) {
      await stopContainer(store, name, { timeout: argv.time, signal: argv.signal })
      process.stdout.write(`${name}\n`)
    }
  },
}

export const killCommand: CommandModule<object, Args> = {
  command: 'kill <containers..>',
  describe: 'Kill one or more running containers',
  builder: (y) =>
    y.positional('containers', { type: 'string', array: true, demandOption: true }).option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'Signal to send to the container' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { killContainer } = await import('../../lib/index.js')
    for (const name of argv.containers) {
      await killContainer(store, name, { signal: argv.signal })
      process.stdout.write(`${name}\n`)
    }
  },
}
