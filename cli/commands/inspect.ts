import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

/** `inspect`, or with `only` Docker's `image inspect`/`container inspect`, which look for that kind of object only. */
export function inspectCommandOf(only?: 'image' | 'container') {
  return defineCommand({
    command: 'inspect <names..>',
    describe: only ? `Display detailed information on one or more ${only}s` : 'Return low-level information on images or containers',
    positionals: { names: { type: 'string', array: true, demandOption: true } },
    flags: {
      format: { alias: 'f', type: 'string', describe: 'Format output using a Go-style template' },
      type: { type: 'string', choices: ['image', 'container'], describe: 'Only inspect objects of the given type' },
    },
    handler: async (argv) => {
      const type = only ?? argv.type
      const store = await getStore(argv)
      const { Codes, StoreError, inspectContainer, inspectImage } = await import('../../lib/index.js')
      const { renderTemplate } = await import('../_output.js')
      const out: unknown[] = []
      for (const name of argv.names) {
        let obj: unknown
        if (type !== 'image') obj = await inspectContainer(store, name)
        if (obj === undefined && type !== 'container' && (await store.images.resolve(name))) obj = await inspectImage(store, name)
        if (obj === undefined) throw new StoreError(Codes.IMAGE_NOT_FOUND, `No such object: ${name}`)
        out.push(obj)
      }
      if (argv.format) for (const o of out) process.stdout.write(renderTemplate(argv.format, o as Record<string, unknown>) + '\n')
      else process.stdout.write(JSON.stringify(out, null, 4) + '\n')
    },
  })
}

export const inspectCommand = inspectCommandOf()
