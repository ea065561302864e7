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
    const { saveImages } = await import('../../lib/image/save.js')
    const { parseReference, tagged } = await import('../../lib/image/reference.js')
    const { writeStream } = await import('../_output.js')
    if (!argv.output && process.stdout.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'cowardly refusing to save to a terminal. Use the -o flag or redirect', { exit: 1 })
    }
    const items: { id: any; tags: string[] }[] = []
    for (const name of argv.images) {
      const id = await store.images.require(name)
      let tags: string[] = []
      try {
        const r = parseReference(name)
        if (!r.digest && (await store.images.tagsOf(id)).includes(tagged(r))) tags = [tagged(r)]
      } catch {
        // saved by ID: no tags, as Docker
      }
      const same = items.find((i) => i.id === id)
      if (same) same.tags.push(...tags)
      else items.push({ id, tags })
    }
    if (!argv.output || argv.output === '-') return writeStream(saveImages(store, items))
    // Never leave a half-written archive: write beside the target, rename when complete.
    const { writeOutputFile } = await import('../../lib/_outputFile.js')
    await writeOutputFile(store.layout, argv.output, saveImages(store, items))
  },
}
