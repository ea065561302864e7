// A command declared once: its positionals and flags as yargs option tables, from which both
// the parser's setup and the handler's argument type come (yargs' own inference), so a flag has
// no second, hand-written declaration to disagree with. The handler parses nothing: it calls the
// API (lib/index.ts) and prints.
//
//   export const stopCommand = defineCommand({
//     command: 'stop <containers..>',
//     describe: 'Stop one or more running containers',
//     positionals: { containers: { type: 'string', array: true, demandOption: true } },
//     flags: { time: { alias: 't', type: 'number', describe: 'Seconds to wait before killing the container' } },
//     handler: async (argv) => { … argv.containers: string[], argv.time: number | undefined … },
//   })

import type { Argv, CommandModule, InferredOptionTypes, Options, PositionalOptions } from 'yargs'
import type { GlobalArgs } from './_context.js'

type Table<O> = Record<string, O>

/** What a handler gets: the global flags, the positionals and the flags, typed from their tables. */
export type ArgsOf<P extends Table<PositionalOptions>, F extends Table<Options>> = GlobalArgs & InferredOptionTypes<P> & InferredOptionTypes<F>

export interface CommandDefinition<P extends Table<PositionalOptions>, F extends Table<Options>> {
  /** yargs' command string: the name and its positionals (`stop <containers..>`). */
  command: string
  /** Other names of the command (`network ls` is also `network list`). */
  aliases?: readonly string[]
  describe: string
  positionals?: P
  flags?: F
  /** `[command line, what it does]` pairs for --help. */
  examples?: readonly (readonly [string, string])[]
  /** Anything else the builder needs (`top`'s parser configuration), applied last. */
  configure?: (y: Argv<ArgsOf<P, F>>) => Argv<ArgsOf<P, F>>
  handler: (argv: ArgsOf<P, F>) => Promise<void> | void
}

export function defineCommand<const P extends Table<PositionalOptions> = {}, const F extends Table<Options> = {}>(def: CommandDefinition<P, F>): CommandModule<object, ArgsOf<P, F>> {
  return {
    command: def.command,
    ...(def.aliases ? { aliases: def.aliases } : {}),
    describe: def.describe,
    builder: (y) => {
      let a: Argv<object> = y
      for (const [name, o] of Object.entries(def.positionals ?? {})) a = a.positional(name, o)
      a = a.options(def.flags ?? {})
      for (const [cmd, what] of def.examples ?? []) a = a.example(cmd, what)
      const typed = a as Argv<ArgsOf<P, F>>
      return def.configure ? def.configure(typed) : typed
    },
    // yargs gives the same object with camelCase copies of the keys (ArgumentsCamelCase), which
    // TypeScript cannot relate to a generic table: the handler reads the keys as declared.
    handler: (argv) => def.handler(argv as ArgsOf<P, F>),
  }
}
