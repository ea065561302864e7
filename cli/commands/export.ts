import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  container: string
  output?: string
}

export const exportCommand: CommandModule<object, Args> = {
  command: 'export <container>',
  describe: "Export a container's filesystem as a tar archive",
  builder: (y) => y.positional('container', { type: 'string', demandOption: true }).option('output', { alias: 'o', type: 'string', describe: 'Write to a file, instead of STDOUT' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const c = await import('../../lib/container/index.js')
    const { writeStream } = await import('../_output.js')
    const { Codes, StoreError } = await import('../../lib/index.js')
    if (!argv.output && process.stdout.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'cowardly refusing to save to a terminal. Use the -o flag or redirect')
    }
    const rec = await c.requireContainer(store, argv.container)
    if (!argv.output) return writeStream(c.exportContainer(store, rec))
    const { writeOutputFile } = await import('../../lib/_outputFile.js')
    await writeOutputFile(store.layout, argv.output, c.exportContainer(store, rec))
  },
}
