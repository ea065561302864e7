// `store cp [-a] [-L] [-q] CONTAINER:SRC DEST|-` and `store cp SRC|- CONTAINER:DEST`: Docker's,
// its argument rules and messages included (lib/container/cp.ts does the copy).

import { defineCommand } from '../_command.js'
import { dash, getStore } from '../_context.js'

/** Docker's splitCpArg: an absolute path, or one whose part before ':' starts with '.', is local. */
function splitArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg }
  const i = arg.indexOf(':')
  if (i < 0 || arg.slice(0, i).startsWith('.')) return { path: arg }
  return { container: arg.slice(0, i), path: arg.slice(i + 1) }
}

export const cpCommand = defineCommand({
  command: 'cp <src> <dest>',
  describe: 'Copy files/folders between a container and the local filesystem',
  positionals: {
    src: { type: 'string', demandOption: true, describe: 'CONTAINER:SRC_PATH, SRC_PATH or -' },
    dest: { type: 'string', demandOption: true, describe: 'DEST_PATH, - or CONTAINER:DEST_PATH' },
  },
  flags: {
    archive: { alias: 'a', type: 'boolean', describe: 'Archive mode (copy all uid/gid information)' },
    'follow-link': { alias: 'L', type: 'boolean', describe: 'Always follow symbol link in SRC_PATH' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress progress output during copy' },
  },
  handler: async (argv) => {
    const { Codes, StoreError } = await import('../../lib/index.js')
    const src = splitArg(dash(argv.src))
    const dst = splitArg(dash(argv.dest))
    if (src.container === undefined && dst.container === undefined) throw new StoreError(Codes.INVALID_ARGUMENT, 'must specify at least one container source')
    if (src.container !== undefined && dst.container !== undefined) throw new StoreError(Codes.INVALID_ARGUMENT, 'copying between containers is not supported')
    const name = (src.container ?? dst.container)!
    if (name === '') throw new StoreError(Codes.INVALID_ARGUMENT, 'must specify at least one container source')
    const store = await getStore(argv)
    const { copyFromContainer, copyToContainer } = await import('../../lib/index.js')
    const { resolve } = await import('node:path')
    const o = { archive: argv.archive, followLink: argv['follow-link'] }
    let shown: string
    let bytes: number
    if (src.container !== undefined) {
      const toStdout = dst.path === '-'
      bytes = (await copyFromContainer(store, name, src.path, toStdout ? process.stdout : dst.path, o)).bytes
      shown = toStdout ? '' : resolve(dst.path) + (dst.path.endsWith('/') ? '/' : '')
    } else {
      bytes = (await copyToContainer(store, name, src.path === '-' ? process.stdin : src.path, dst.path, o)).bytes
      shown = `${name}:${dst.path}`
    }
    // Docker prints the size on a terminal only (and never for a stream on stdout).
    if (shown && !argv.quiet && process.stderr.isTTY) {
      const { humanSize } = await import('../../lib/index.js')
      process.stderr.write(`Successfully copied ${humanSize(bytes)} to ${shown}\n`)
    }
  },
})
