import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'
import { containerCommand } from '../_split.js'
import { checkTty } from '../_tty.js'
import { EXEC_FLAGS } from '../_flags.js'

interface Args extends GlobalArgs {
  container: string
  env?: string[]
  user?: string
  workdir?: string
  interactive?: boolean
  tty?: boolean
  detach?: boolean
}

export const execCommand: CommandModule<object, Args> = {
  command: 'exec <container> [command..]',
  describe: 'Execute a command in a running container',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true })
      .options(EXEC_FLAGS),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError, execContainer, getContainer } = await import('../../lib/index.js')
    if (containerCommand.length === 0) throw new StoreError(Codes.INVALID_ARGUMENT, 'exec requires at least 2 arguments')
    // No such container before "not a TTY", as Docker's CLI checks.
    const rec = await getContainer(store, argv.container)
    checkTty(argv.interactive, argv.tty)
    process.exitCode = await execContainer(store, rec, containerCommand, { env: argv.env, user: argv.user, workdir: argv.workdir, interactive: argv.interactive, tty: argv.tty })
  },
}
