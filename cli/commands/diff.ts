import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  container: string
}

export const diffCommand: CommandModule<object, Args> = {
  command: 'diff <container>',
  describe: "Inspect changes to files or directories on a container's filesystem",
  builder: (y) => y.positional('container', { type: 'string', demandOption: true }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { containerDiff } = await import('../../lib/index.js')
    for (const l of await containerDiff(store, argv.container)) process.stdout.write(l + '\n')
  },
}
