import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const tagCommand = defineCommand({
  command: 'tag <source> <target>',
  describe: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  positionals: {
    source: { type: 'string', demandOption: true },
    target: { type: 'string', demandOption: true },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { tagImage } = await import('../../lib/index.js')
    await tagImage(store, argv.source, argv.target)
  },
})
