import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'
import { containerCommand } from '../_split.js'
import { checkTty } from '../_tty.js'

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
      .option('env', { alias: 'e', type: 'string', array: true, nargs: 1, describe: 'Set environment variables' })
      .option('user', { alias: 'u', type: 'string', describe: 'Username or UID' })
      .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory inside the container' })
      .option('interactive', { alias: 'i', type: 'boolean', describe: 'Keep STDIN open even if not attached' })
      .option('tty', { alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' }) as any,
  handler: async (argv) => {
    const store = await getStore(argv)
    const c = await import('../../lib/container/index.js')
    const { Codes, StoreError } = await import('../../lib/errors.js')
    if (containerCommand.length === 0) throw new StoreError(Codes.INVALID_ARGUMENT, 'exec requires at least 2 arguments', { exit: 1 })
    const rec = await c.requireContainer(store, argv.container)
    checkTty(argv.interactive, argv.tty)
    process.exitCode = await c.execInContainer(store, rec, { cmd: containerCommand, env: argv.env, user: argv.user, workdir: argv.workdir, interactive: argv.interactive, tty: argv.tty })
  },
}
