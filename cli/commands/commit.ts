import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const commitCommand = defineCommand({
  command: 'commit <container> [repository]',
  describe: "Create a new image from a container's changes",
  positionals: {
    container: { type: 'string', demandOption: true },
    repository: { type: 'string', describe: 'REPOSITORY[:TAG]' },
  },
  flags: {
    // nargs: 1, or the greedy yargs array swallows the positionals that follow (see run.ts)
    change: { alias: 'c', type: 'string', array: true, nargs: 1, describe: 'Apply Dockerfile instruction to the created image' },
    message: { alias: 'm', type: 'string', describe: 'Commit message' },
    author: { alias: 'a', type: 'string', describe: 'Author' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { commitContainer } = await import('../../lib/index.js')
    const id = await commitContainer(store, argv.container, { tag: argv.repository, changes: argv.change, message: argv.message, author: argv.author })
    process.stdout.write(`${id}\n`)
  },
})
