// `store stats [-a] [--no-stream] [--no-trunc] [--format] [CONTAINER...]`: Docker's columns and
// number formats; live (redrawn every second on a terminal) unless --no-stream.

import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'
import type { StatsRow } from '../../lib/index.js'

/** go-units BytesSize: binary units, four significant digits ("1.039MiB", "7.772GiB"). */
function bytesSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${Number(n.toPrecision(4))}${units[i]}`
}

export const statsCommand = defineCommand({
  command: 'stats [containers..]',
  describe: 'Display a live stream of container(s) resource usage statistics',
  positionals: { containers: { type: 'string', array: true } },
  flags: {
    all: { alias: 'a', type: 'boolean', describe: 'Show all containers (default shows just running)' },
    'no-stream': { type: 'boolean', describe: 'Disable streaming stats and only pull the first result' },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    format: { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { printFormatted } = await import('../_output.js')
    const { containerStats, humanSize } = await import('../../lib/index.js')
    const which = { containers: argv.containers, all: argv.all }
    const render = (rows: StatsRow[]) => {
      const id = (s: string) => (argv['no-trunc'] ? s : s.slice(0, 12))
      const pct = (v: number) => `${v.toFixed(2)}%`
      const cols = rows.map((r) => ({
        ID: id(r.id), Container: id(r.id), Name: r.name, CPUPerc: pct(r.cpuPercent), MemUsage: `${bytesSize(r.memory)} / ${bytesSize(r.memoryLimit)}`,
        MemPerc: pct(r.memoryPercent), NetIO: `${humanSize(r.netRx)} / ${humanSize(r.netTx)}`, BlockIO: `${humanSize(r.blockRead)} / ${humanSize(r.blockWrite)}`, PIDs: String(r.pids),
      }))
      printFormatted(
        argv.format, ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
        cols.map((x) => [x.ID, x.Name, x.CPUPerc, x.MemUsage, x.MemPerc, x.NetIO, x.BlockIO, x.PIDs]), cols,
        { ID: 'CONTAINER ID', Container: 'CONTAINER', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' },
      )
    }
    if (argv['no-stream'] || !process.stdout.isTTY) {
      render(await containerStats(store, which))
      if (argv['no-stream']) return
    }
    // Live: the table redrawn in place until interrupted (Docker's).
    for (;;) {
      const rows = await containerStats(store, { ...which, intervalMs: 1000 })
      if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H')
      render(rows)
    }
  },
})
