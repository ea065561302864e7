import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  input?: string
  quiet?: boolean
}

/** The file to read, or Docker's message for one that cannot be opened (exit 1). */
async function openInput(path: string): Promise<import('node:fs/promises').FileHandle> {
  const { open } = await import('node:fs/promises')
  const { Codes, StoreError } = await import('../../lib/errors.js')
  let fh
  try {
    fh = await open(path, 'r')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message
    throw new StoreError(Codes.INVALID_ARGUMENT, `open ${path}: ${why}`, { exit: 1 })
  }
  if ((await fh.stat()).isDirectory()) {
    await fh.close()
    throw new StoreError(Codes.INVALID_ARGUMENT, `${path} is a directory, not an archive`, { hint: `an OCI layout folder loads as a tar: tar -C ${path} -c . | store load`, exit: 1 })
  }
  return fh
}

export const loadCommand: CommandModule<object, Args> = {
  command: 'load',
  describe: 'Load images from a tar archive (docker save or OCI layout) or STDIN',
  builder: (y) =>
    y
      .option('input', { alias: 'i', type: 'string', describe: 'Read from tar archive file, instead of STDIN' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress the load output' }) as any,
  handler: async (argv) => {
    const store = await getStore(argv)
    const { loadImages } = await import('../../lib/image/load.js')
    const { Codes, StoreError } = await import('../../lib/errors.js')
    if (!argv.input && process.stdin.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'requested load from stdin, but stdin is empty', { exit: 1 })
    }
    // Opened first: a stream's open error would surface as an unhandled 'error' event.
    const fh = argv.input ? await openInput(argv.input) : undefined
    const src = fh ? fh.createReadStream({ highWaterMark: 1 << 20 }) : process.stdin
    const loaded = await loadImages(store, src as AsyncIterable<Uint8Array>)
    if (argv.quiet) return
    for (const l of loaded) {
      if (l.tags.length === 0) process.stdout.write(`Loaded image ID: ${l.id}\n`)
      for (const t of l.tags) process.stdout.write(`Loaded image: ${t}\n`)
    }
  },
}
