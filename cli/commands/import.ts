import type { CommandModule } from 'yargs'
import { dash, getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  source: string
  name?: string
  change?: string[]
  message?: string
  quiet?: boolean
}

export const importCommand: CommandModule<object, Args> = {
  command: 'import <source> [name]',
  describe: 'Import a rootfs tarball (gzip or not), a folder, or - for stdin, as a one-layer image',
  builder: (y) =>
    y
      .positional('source', { type: 'string', demandOption: true, describe: 'FILE, DIR or -' })
      .positional('name', { type: 'string', describe: 'NAME[:TAG]' })
      // nargs: 1, or the greedy yargs array swallows the positionals that follow (see run.ts)
      .option('change', { alias: 'c', type: 'string', array: true, nargs: 1, describe: 'Apply Dockerfile instruction to the created image' })
      .option('message', { alias: 'm', type: 'string', describe: 'Set commit message for imported image' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress the progress line (shown on a terminal only)' })
      .example('store import rootfs.tar.gz acme/base:1', '')
      .example('tar -C root -c . | store import - acme/base', ''),
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
}
