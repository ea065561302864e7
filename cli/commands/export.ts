import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const exportCommand = defineCommand({
  command: 'export <container>',
  describe: "Export a container's filesystem as a tar archive",
  positionals: { container: { type: 'string', demandOption: true } },
  flags: { output: { alias: 'o', type: 'string', describe: 'Write to a file, instead of STDOUT' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError, exportContainer, exportContainerToFile } = await import('../../lib/index.js')
    const { writeStream } = await import('../_output.js')
    if (!argv.output && process.stdout.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'cowardly refusing to save to a terminal. Use the -o flag or redirect')
    }
    if (!argv.output) return writeStream(exportContainer(store, argv.container))
    await exportContainerToFile(store, argv.container, argv.output)
  },
})
