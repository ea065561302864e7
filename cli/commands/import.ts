import { defineCommand } from '../_command.js'
import { dash, getStore } from '../_context.js'

export const importCommand = defineCommand({
  command: 'import <source> [name]',
  describe: 'Import a rootfs tarball (gzip or not), a folder, or - for stdin, as a one-layer image',
  positionals: {
    source: { type: 'string', demandOption: true, describe: 'FILE, DIR or -' },
    name: { type: 'string', describe: 'NAME[:TAG]' },
  },
  flags: {
    // nargs: 1, or the greedy yargs array swallows the positionals that follow (see run.ts)
    change: { alias: 'c', type: 'string', array: true, nargs: 1, describe: 'Apply Dockerfile instruction to the created image' },
    message: { alias: 'm', type: 'string', describe: 'Set commit message for imported image' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress the progress line (shown on a terminal only)' },
  },
  examples: [
    ['store import rootfs.tar.gz acme/base:1', ''],
    ['tar -C root -c . | store import - acme/base', ''],
  ],
  handler: async (argv) => {
    const store = await getStore(argv)
    const { importImage } = await import('../../lib/index.js')
    const source = dash(argv.source)
    const { progressLine } = await import('../_progress.js')
    const line = progressLine(argv.quiet)
    const r = await importImage(store, source === '-' ? (process.stdin as AsyncIterable<Uint8Array>) : source, { tag: argv.name, changes: argv.change, message: argv.message, onProgress: line.report })
      .finally(line.end)
    process.stdout.write(`${r.id}\n`)
  },
})
