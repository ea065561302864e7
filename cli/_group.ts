// A management command (`store image`, `store system`…): its subcommands, and without one,
// its help on stdout and exit 0, as Docker's CLI does (`docker image` alone). A word that is
// no subcommand is Docker's unknown command (_usage.ts).

import type { Argv, CommandModule } from 'yargs'
import type { GlobalArgs } from './_context.js'

export function groupCommand(name: string, describe: string, subs: CommandModule<any, any>[]): CommandModule<object, GlobalArgs> {
  let inner: Argv | undefined
  return {
    command: name,
    describe,
    builder: (y) => {
      inner = y
      for (const s of subs) y.command(s)
      return y as Argv<GlobalArgs>
    },
    handler: () => {
      inner?.showHelp('log')
    },
  }
}
