import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  names: string[]
  format?: string
  type?: string
}

export const inspectCommand: CommandModule<object, Args> = {
  command: 'inspect <names..>',
  describe: 'Return low-level information on images or containers',
  builder: (y) =>
    y
      .positional('names', { type: 'string', array: true, demandOption: true })
      .option('format', { alias: 'f', type: 'string', describe: 'Format output using a Go-style template' })
      .option('type', { type: 'string', choices: ['image', 'container'], describe: 'Only inspect objects of the given type' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError, inspectContainer, inspectImage } = await import('../../lib/index.js')
    const { renderTemplate } = await import('../_output.js')
    const out: unknown[] = []
    for (const name of argv.names) {
      let obj: unknown
      if (argv.type !== 'image') obj = await inspectContainer(store, name)
      if (obj === undefined && argv.type !== 'container' && (await store.images.resolve(name))) obj = await inspectImage(store, name)
      if (obj === undefined) throw new StoreError(Codes.IMAGE_NOT_FOUND, `No such object: ${name}`)
      out.push(obj)
    }
    if (argv.format) for (const o of out) process.stdout.write(renderTemplate(argv.format, o as Record<string, unknown>) + '\n')
    else process.stdout.write(JSON.stringify(out, null, 4) + '\n')
  },
}
