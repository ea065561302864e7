import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  images: string[]
  output?: string
}

export const saveCommand: CommandModule<object, Args> = {
  command: 'save <images..>',
  describe: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  builder: (y) =>
    y.positional('images', { type: 'string', array: true, demandOption: true }).option('output', { alias: 'o', type: 'string', describe: 'Write to a file, instead of STDOUT' }) as any,
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError } = await import('../../lib/errors.js')
    const { saveImages, saveImagesToFile } = await import('../../lib/index.js')
    const { writeStream } = await import('../_output.js')
    if (!argv.output && process.stdout.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'cowardly refusing to save to a terminal. Use the -o flag or redirect', { exit: 1 })
    }
    if (!argv.output || argv.output === '-') return writeStream(await saveImages(store, argv.images))
    await saveImagesToFile(store, argv.images, argv.output)
  },
}
