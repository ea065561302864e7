import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const loadCommand = defineCommand({
  command: 'load',
  describe: 'Load images from a tar archive (docker save or OCI layout) or STDIN',
  flags: {
    input: { alias: 'i', type: 'string', describe: 'Read from tar archive file, instead of STDIN' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress the load output (and the progress line)' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { loadImages } = await import('../../lib/index.js')
    const { Codes, StoreError } = await import('../../lib/index.js')
    if (!argv.input && process.stdin.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'requested load from stdin, but stdin is empty')
    }
    const { progressLine } = await import('../_progress.js')
    const line = progressLine(argv.quiet)
    const loaded = await loadImages(store, argv.input ?? (process.stdin as AsyncIterable<Uint8Array>), { onProgress: line.report }).finally(line.end)
    if (argv.quiet) return
    for (const l of loaded) {
      if (l.tags.length === 0) process.stdout.write(`Loaded image ID: ${l.id}\n`)
      for (const t of l.tags) process.stdout.write(`Loaded image: ${t}\n`)
    }
  },
})
