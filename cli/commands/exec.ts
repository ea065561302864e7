import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'
import { containerCommand } from '../_split.js'
import { checkTty } from '../_tty.js'
import { EXEC_FLAGS } from '../_flags.js'

export const execCommand = defineCommand({
  command: 'exec <container> [command..]',
  describe: 'Execute a command in a running container',
  positionals: { container: { type: 'string', demandOption: true } },
  flags: EXEC_FLAGS,
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError, execContainer, getContainer } = await import('../../lib/index.js')
    if (containerCommand.length === 0) throw new StoreError(Codes.INVALID_ARGUMENT, 'exec requires at least 2 arguments')
    // No such container before "not a TTY", as Docker's CLI checks.
    const rec = await getContainer(store, argv.container)
    checkTty(argv.interactive, argv.tty)
    process.exitCode = await execContainer(store, rec, containerCommand, { env: argv.env, user: argv.user, workdir: argv.workdir, interactive: argv.interactive, tty: argv.tty })
  },
})
