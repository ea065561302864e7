import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const rmiCommand = defineCommand({
  command: 'rmi <images..>',
  describe: 'Remove one or more images',
  positionals: { images: { type: 'string', array: true, demandOption: true } },
  flags: { force: { alias: 'f', type: 'boolean', describe: 'Force removal of the image' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { removeImages } = await import('../../lib/index.js')
    try {
      print(await removeImages(store, argv.images, { force: argv.force }))
    } catch (e: any) {
      if (e?.data?.partial) print(e.data.partial)
      throw e
    }
  },
})

function print(r: { untagged: string[]; deleted: string[] }) {
  for (const t of r.untagged) process.stdout.write(`Untagged: ${t}\n`)
  for (const d of r.deleted) process.stdout.write(`Deleted: ${d}\n`)
}
