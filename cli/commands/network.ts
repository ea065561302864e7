// `store network create|ls|inspect|rm|prune`: Docker's, over the predefined networks (bridge,
// host, none) and user-defined bridge networks (lib/network/networks.ts).

import { defineCommand } from '../_command.js'
import { groupCommand } from '../_group.js'
import { getStore } from '../_context.js'

const kv = (list: string[] = []) => Object.fromEntries(list.map((s) => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, ''])))

const create = defineCommand({
  command: 'create <name>',
  describe: 'Create a network',
  positionals: { name: { type: 'string', demandOption: true } },
  flags: {
    driver: { alias: 'd', type: 'string', default: 'bridge', describe: 'Driver to manage the Network' },
    subnet: { type: 'string', describe: 'Subnet in CIDR format that represents a network segment' },
    gateway: { type: 'string', describe: 'IPv4 or IPv6 Gateway for the master subnet' },
    label: { type: 'string', array: true, nargs: 1, describe: 'Set metadata on a network' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { createNetwork } = await import('../../lib/index.js')
    const n = await createNetwork(store, argv.name, { subnet: argv.subnet, gateway: argv.gateway, labels: kv(argv.label), driver: argv.driver })
    process.stdout.write(`${n.Id}\n`)
  },
})

const ls = defineCommand({
  command: 'ls',
  aliases: ['list'],
  describe: 'List networks',
  flags: {
    quiet: { alias: 'q', type: 'boolean', describe: 'Only display network IDs' },
    'no-trunc': { type: 'boolean', describe: 'Do not truncate the output' },
    format: { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { printFormatted } = await import('../_output.js')
    const { listNetworks } = await import('../../lib/index.js')
    const rows = await listNetworks(store)
    const id = (s: string) => (argv['no-trunc'] ? s : s.slice(0, 12))
    if (argv.quiet) {
      for (const r of rows) process.stdout.write(`${id(r.Id)}\n`)
      return
    }
    printFormatted(
      argv.format, ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], rows.map((r) => [id(r.Id), r.Name, r.Driver, 'local']),
      rows.map((r) => ({ ID: id(r.Id), Name: r.Name, Driver: r.Driver, Scope: 'local', IPv6: 'false', Internal: 'false', CreatedAt: r.Created, Labels: Object.entries(r.Labels).map(([a, b]) => `${a}=${b}`).join(',') })),
      { ID: 'NETWORK ID' },
    )
  },
})

const networks = { networks: { type: 'string', array: true, demandOption: true } } as const

const inspect = defineCommand({
  command: 'inspect <networks..>',
  describe: 'Display detailed information on one or more networks',
  positionals: networks,
  flags: { format: { alias: 'f', type: 'string' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { renderTemplate } = await import('../_output.js')
    const { inspectNetwork } = await import('../../lib/index.js')
    const out = []
    for (const ref of argv.networks) {
      const n = await inspectNetwork(store, ref)
      if (!n) {
        process.stderr.write(`Error: No such network: ${ref}\n`)
        process.exitCode = 1
        continue
      }
      out.push(n)
    }
    if (argv.format) for (const o of out) process.stdout.write(renderTemplate(argv.format, o) + '\n')
    else if (out.length || !process.exitCode) process.stdout.write(JSON.stringify(out, null, 4) + '\n')
  },
})

const rm = defineCommand({
  command: 'rm <networks..>',
  aliases: ['remove'],
  describe: 'Remove one or more networks',
  positionals: networks,
  flags: { force: { alias: 'f', type: 'boolean', describe: 'Do not error if the network does not exist' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { removeNetwork } = await import('../../lib/index.js')
    for (const ref of argv.networks) {
      try {
        await removeNetwork(store, ref)
        process.stdout.write(`${ref}\n`)
      } catch (e) {
        if (argv.force && /not found$/.test((e as Error).message)) continue
        process.stderr.write(`Error response from daemon: ${(e as Error).message}\n`)
        process.exitCode = 1
      }
    }
  },
})

/** connect and disconnect: Docker's daemon errors, exit 1. */
const membership = (verb: 'connect' | 'disconnect') =>
  defineCommand({
    command: `${verb} <network> <container>`,
    describe: verb === 'connect' ? 'Connect a container to a network' : 'Disconnect a container from a network',
    positionals: { network: { type: 'string', demandOption: true }, container: { type: 'string', demandOption: true } },
    flags: verb === 'disconnect' ? { force: { alias: 'f', type: 'boolean', describe: 'Force the container to disconnect from a network' } } : {},
    handler: async (argv) => {
      const store = await getStore(argv)
      const { connectNetwork, disconnectNetwork } = await import('../../lib/index.js')
      try {
        await (verb === 'connect' ? connectNetwork : disconnectNetwork)(store, argv.network, argv.container)
      } catch (e) {
        const code = (e as { code?: string }).code
        if (code !== 'INVALID_ARGUMENT' && code !== 'CONTAINER_NOT_FOUND' && code !== 'UNSUPPORTED') throw e
        process.stderr.write(`Error response from daemon: ${(e as Error).message}\n`)
        process.exitCode = 1
      }
    },
  })

const prune = defineCommand({
  command: 'prune',
  describe: 'Remove all unused networks',
  flags: { force: { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' } },
  handler: async (argv) => {
    const { confirm } = await import('../_prompt.js')
    if (!argv.force && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] '))) return
    const store = await getStore(argv)
    const { pruneNetworks } = await import('../../lib/index.js')
    // Used by any container, running or not, a network stays (as Docker keeps it).
    const gone = await pruneNetworks(store)
    if (gone.length) process.stdout.write(`Deleted Networks:\n${gone.join('\n')}\n\n`)
  },
})

export const networkCommand = groupCommand('network', 'Manage networks: create, connect, disconnect, ls, inspect, rm, prune', [create, membership('connect'), membership('disconnect'), ls, inspect, rm, prune])
