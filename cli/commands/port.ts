// `store port CONTAINER [PRIVATE_PORT[/PROTO]]`: the host addresses that forward to a running
// container's ports, in Docker's words.

import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const portCommand = defineCommand({
  command: 'port <container> [port]',
  describe: 'List port mappings or a specific mapping for the container',
  positionals: {
    container: { type: 'string', demandOption: true },
    port: { type: 'string', describe: 'PRIVATE_PORT[/PROTO]' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { containerPorts } = await import('../../lib/index.js')
    const ports = await containerPorts(store, argv.container)
    if (argv.port === undefined) {
      for (const p of ports) process.stdout.write(`${p.port} -> ${p.host}\n`)
      return
    }
    const [num, proto = 'tcp'] = argv.port.split('/')
    const key = `${num}/${proto}`
    const found = ports.filter((p) => p.port === key)
    if (found.length === 0) {
      process.stderr.write(`Error: No public port '${key}' published for ${argv.container}\n`)
      process.exitCode = 1
      return
    }
    for (const p of found) process.stdout.write(`${p.host}\n`)
  },
})
