import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

const containers = { containers: { type: 'string', array: true, demandOption: true } } as const

export const stopCommand = defineCommand({
  command: 'stop <containers..>',
  describe: 'Stop one or more running containers',
  positionals: containers,
  flags: {
    time: { alias: 't', type: 'number', describe: 'Seconds to wait before killing the container' },
    signal: { alias: 's', type: 'string', describe: 'Signal to send to the container' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { stopContainer } = await import('../../lib/index.js')
    for (const name of argv.containers) {
      await stopContainer(store, name, { timeout: argv.time, signal: argv.signal })
      process.stdout.write(`${name}\n`)
    }
  },
})

export const killCommand = defineCommand({
  command: 'kill <containers..>',
  describe: 'Kill one or more running containers',
  positionals: containers,
  flags: { signal: { alias: 's', type: 'string', default: 'KILL', describe: 'Signal to send to the container' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { killContainer } = await import('../../lib/index.js')
    for (const name of argv.containers) {
      await killContainer(store, name, { signal: argv.signal })
      process.stdout.write(`${name}\n`)
    }
  },
})
