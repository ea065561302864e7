import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  container: string
  repository?: string
  change?: string[]
  message?: string
  author?: string
}

export const commitCommand: CommandModule<object, Args> = {
  command: 'commit <container> [repository]',
  describe: "Create a new image from a container's changes",
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true })
      .positional('repository', { type: 'string', describe: 'REPOSITORY[:TAG]' })
      // nargs: 1, or the greedy yargs array swallows the positionals that follow (see run.ts)
      .option('change', { alias: 'c', type: 'string', array: true, nargs: 1, describe: 'Apply Dockerfile instruction to the created image' })
      .option('message', { alias: 'm', type: 'string', describe: 'Commit message' })
      .option('author', { alias: 'a', type: 'string', describe: 'Author' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { commitContainer } = await import('../../lib/index.js')
    const id = await commitContainer(store, argv.container, { tag: argv.repository, changes: argv.change, message: argv.message, author: argv.author })
    process.stdout.write(`${id}\n`)
  },
}
