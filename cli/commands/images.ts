import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const imagesCommand = defineCommand({
  command: 'images [repository]',
  describe: 'List images',
  positionals: { repository: { type: 'string', describe: 'REPOSITORY[:TAG]' } },
  flags: {
    all: { alias: 'a', type: 'boolean', describe: 'Show all images (default hides intermediate images)' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Only show image IDs' },
    digests: { type: 'boolean', describe: 'Show digests' },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    format: { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" },
    filter: { alias: 'f', type: 'string', array: true, nargs: 1, describe: 'Filter output based on conditions provided (dangling, reference, label, before, since)' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { listImages, humanSize, timeAgo } = await import('../../lib/index.js')
    const { printFormatted } = await import('../_output.js')
    const rows = await listImages(store, { repository: argv.repository, filters: argv.filter })
    const now = store.now()
    const id = (d: string) => (argv['no-trunc'] ? d : d.slice(7, 19))
    if (argv.quiet) {
      const seen = new Set<string>()
      for (const r of rows) if (!seen.has(r.id)) seen.add(r.id) && process.stdout.write(id(r.id) + '\n')
      return
    }
    const headers = ['REPOSITORY', 'TAG', ...(argv.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE']
    const table = rows.map((r) => [r.repository, r.tag, ...(argv.digests ? [r.digest ?? '<none>'] : []), id(r.id), timeAgo(r.created, now), humanSize(r.size)])
    const objects = rows.map((r) => ({
      Containers: 'N/A', CreatedAt: r.created ?? '', CreatedSince: timeAgo(r.created, now), Digest: r.digest ?? '<none>',
      ID: id(r.id), Repository: r.repository, SharedSize: 'N/A', Size: humanSize(r.size), Tag: r.tag, UniqueSize: 'N/A',
      VirtualSize: humanSize(r.size),
    }))
    printFormatted(argv.format, headers, table, objects, {
      ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'SIZE',
    })
  },
})
