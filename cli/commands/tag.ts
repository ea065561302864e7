import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  source: string
  target: string
}

export const tagCommand: CommandModule<object, Args> = {
  command: 'tag <source> <target>',
  describe: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  builder: (y) => y.positional('source', { type: 'string', demandOption: true }).positional('target', { type: 'string', demandOption: true }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { tagImage } = await import('../../lib/index.js')
    await tagImage(store, argv.source, argv.target)
  },
}
