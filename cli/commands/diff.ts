import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const diffCommand = defineCommand({
  command: 'diff <container>',
  describe: "Inspect changes to files or directories on a container's filesystem",
  positionals: { container: { type: 'string', demandOption: true } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { containerDiff } = await import('../../lib/index.js')
    for (const l of await containerDiff(store, argv.container)) process.stdout.write(l + '\n')
  },
})
