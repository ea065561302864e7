import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const historyCommand = defineCommand({
  command: 'history <image>',
  describe: 'Show the history of an image',
  positionals: { image: { type: 'string', demandOption: true } },
  flags: {
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    quiet: { alias: 'q', type: 'boolean', describe: 'Only show image IDs' },
    human: { alias: 'H', type: 'boolean', default: true, describe: 'Print sizes and dates in human readable format' },
    format: { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { imageHistory, humanSize, timeAgo } = await import('../../lib/index.js')
    const { printFormatted } = await import('../_output.js')
    const rows = await imageHistory(store, argv.image)
    const now = store.now()
    const id = (r: { id?: string }) => (r.id ? (argv['no-trunc'] ? r.id : r.id.slice(7, 19)) : '<missing>')
    if (argv.quiet) {
      for (const r of rows) process.stdout.write(id(r) + '\n')
      return
    }
    const trunc = (s: string) => (argv['no-trunc'] || s.length <= 45 ? s : s.slice(0, 44) + '…')
    const size = (n: number) => (argv.human === false ? String(n) : humanSize(n))
    const created = (c?: string) => (argv.human === false ? c ?? '' : timeAgo(c, now))
    printFormatted(
      argv.format,
      ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      rows.map((r) => [id(r), created(r.created), trunc(r.createdBy), size(r.size), r.comment]),
      rows.map((r) => ({ ID: id(r), CreatedAt: r.created ?? '', CreatedSince: timeAgo(r.created, now), CreatedBy: r.createdBy, Size: size(r.size), Comment: r.comment })),
    )
  },
})
