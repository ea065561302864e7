import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const saveCommand = defineCommand({
  command: 'save <images..>',
  describe: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  positionals: { images: { type: 'string', array: true, demandOption: true } },
  flags: {
    output: { alias: 'o', type: 'string', describe: 'Write to a file, instead of STDOUT' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress the progress line (shown on a terminal only)' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError } = await import('../../lib/index.js')
    const { saveImages, saveImagesToFile } = await import('../../lib/index.js')
    const { writeStream } = await import('../_output.js')
    const { progressLine } = await import('../_progress.js')
    if (!argv.output && process.stdout.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'cowardly refusing to save to a terminal. Use the -o flag or redirect')
    }
    const line = progressLine(argv.quiet)
    try {
      if (!argv.output || argv.output === '-') return await writeStream(await saveImages(store, argv.images, { onProgress: line.report }))
      await saveImagesToFile(store, argv.images, argv.output, { onProgress: line.report })
    } finally {
      line.end()
    }
  },
})
