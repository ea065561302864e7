import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const psCommand = defineCommand({
  command: 'ps',
  describe: 'List containers',
  flags: {
    all: { alias: 'a', type: 'boolean', describe: 'Show all containers (default shows just running)' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Only display container IDs' },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    format: { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" },
    filter: { alias: 'f', type: 'string', array: true, nargs: 1, describe: 'Filter output based on conditions provided (status, exited, name, id, label, ancestor, volume)' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { containerRows, displayPorts, timeAgo } = await import('../../lib/index.js')
    const { printFormatted } = await import('../_output.js')
    // Docker shows ports of running containers only (a stopped one has no NetworkSettings.Ports).
    const ports = (r: (typeof rows)[number]) => (r.state.status === 'running' ? displayPorts(r.state.ports ?? [], r.rec.exposed ?? []) : '')
    const rows = await containerRows(store, { all: argv.all, filters: argv.filter })
    const id = (s: string) => (argv['no-trunc'] ? s : s.slice(0, 12))
    if (argv.quiet) {
      for (const r of rows) process.stdout.write(id(r.rec.id) + '\n')
      return
    }
    const now = store.now()
    const cmd = (s: string) => JSON.stringify(argv['no-trunc'] || s.length <= 20 ? s : s.slice(0, 19) + '…')
    printFormatted(
      argv.format,
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
      rows.map((r) => [id(r.rec.id), r.image, cmd(r.command), timeAgo(r.rec.created, now), r.status, ports(r), r.rec.name]),
      rows.map((r) => ({
        ID: id(r.rec.id), Image: r.image, Command: cmd(r.command), CreatedAt: r.rec.created, RunningFor: timeAgo(r.rec.created, now).replace(/ ago$/, ''),
        Status: r.status, State: r.paused ? 'paused' : r.state.restarting && r.state.status !== 'running' ? 'restarting' : r.state.status, Ports: ports(r), Names: r.rec.name, Labels: Object.entries(r.rec.labels).map(([k, v]) => `${k}=${v}`).join(','),
        Mounts: r.rec.mounts.map((m) => m.name ?? m.source).join(','), Networks: [r.rec.network, ...(r.rec.networks ?? [])].join(','),
      })),
      { ID: 'CONTAINER ID', RunningFor: 'CREATED', CreatedAt: 'CREATED AT' },
    )
  },
})
