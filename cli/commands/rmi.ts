import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  images: string[]
  force?: boolean
}

export const rmiCommand: CommandModule<object, Args> = {
  command: 'rmi <images..>',
  describe: 'Remove one or more images',
  builder: (y) =>
    y.positional('images', { type: 'string', array: true, demandOption: true }).option('force', { alias: 'f', type: 'boolean', describe: 'Force removal of the image' }),
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
}

function print(r: { untagged: string[]; deleted: string[] }) {
  for (const t of r.untagged) process.stdout.write(`Untagged: ${t}\n`)
  for (const d of r.deleted) process.stdout.write(`Deleted: ${d}\n`)
}
