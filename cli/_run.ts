// yargs wiring and the one place errors become exit statuses and `Error: <message>` lines.

import yargs, { type CommandModule } from 'yargs'
import { commands } from './commands/index.js'
import { VERSION } from './version.js'
import { splitContainerArgs } from './_split.js'
import { GLOBAL_FLAGS } from './_flags.js'
import { usageError, type UsageContext } from './_usage.js'
import { commandOf, exitStatus } from './_exit.js'

/** The parts of yargs' internals we reach (not in its types): the command context, and the help cache. */
interface YargsInternals {
  getInternalMethods(): {
    getContext(): { commands: string[]; fullCommands: string[] }
    getUsageInstance(): { cacheHelpMessage: () => void }
  }
}

/** The words typed, for a usage error to tell a flag from a command. */
let typed: string[] = []

export async function run(argv: string[]): Promise<void> {
  typed = argv
  let args: string[]
  try {
    args = splitContainerArgs(argv)
  } catch (e) {
    fail(e)
  }
  const y = yargs(args)
    .scriptName('store')
    .usage('Usage: store [OPTIONS] COMMAND\n\nA daemonless, content-addressed container image store, builder and runner')
    .options(GLOBAL_FLAGS)
    .version(`store version ${VERSION}`)
    .help('help')
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'store: a command is required. See store --help.')
    // boolean-negation off: Docker's flags are literally named --no-cache, --no-trunc.
    .parserConfiguration({ 'halt-at-non-option': false, 'populate--': true, 'boolean-negation': false })
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, e) => {
      if (e) throw e
      // Where yargs was: the command path and its definitions, for Docker's usage text.
      const c = (y as unknown as YargsInternals).getInternalMethods().getContext()
      const context: UsageContext = { commands: [...c.commands], full: [...c.fullCommands] }
      throw Object.assign(new Error(msg), { usage: true, context })
    })
  for (const c of commands) y.command(c as CommandModule)
  // yargs renders the whole help text right after starting a command's handler, in case the
  // handler asks for it later (ours never do): ~40 ms of text layout on every `store run`.
  ;(y as unknown as YargsInternals).getInternalMethods().getUsageInstance().cacheHelpMessage = () => {}
  // A command whose work stalled on a promise nothing will settle (no handle left: Node would
  // exit 0 as if it had succeeded) fails instead: a copy or an import that did not finish must
  // never look done.
  let settled = false
  process.once('beforeExit', () => {
    if (settled) return
    process.stderr.write('Error: internal error: the command stopped before it finished\n')
    process.exitCode = 125
  })
  try {
    await y.parseAsync()
  } catch (e) {
    fail(e)
  } finally {
    settled = true
  }
}

export function fail(e: unknown): never {
  const se = e as { code?: string; exit?: number; hint?: string; usage?: boolean; bare?: boolean; message?: string; context?: UsageContext }
  if (se?.bare) {
    // Said by Docker's CLI as it is, without "Error:" (the input device is not a TTY).
    process.stderr.write(`${se.message}\n`)
    process.exit(se.exit ?? 1)
  }
  if (se?.usage) {
    const u = usageError(se.message ?? '', se.context ?? { commands: [], full: [] }, typed)
    process.stderr.write(`${u.text}\n`)
    process.exit(se.exit ?? u.exit)
  }
  if (process.env.STORE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? e}\n`)
  const full = fullDisk(e)
  const message = full?.message ?? se?.message ?? String(e)
  const hint = full?.hint ?? se?.hint
  process.stderr.write(`Error: ${message}\n`)
  if (hint) process.stderr.write(`hint: ${hint}\n`)
  // The CLI's own errors (a template that does not parse: 64) carry their status; the store's
  // have a code, and cli/_exit.ts's table gives the status with Docker's phase rule.
  process.exit(isStoreError(e) ? exitStatus(e, commandOf(typed)) : typeof se?.exit === 'number' ? se.exit : 125)
}

/**
 * A full disk, wherever it surfaced (a record, a lock, a blob, an output file), in Go's words
 * as Docker prints it: `write /path: no space left on device`. Whatever failed was not
 * recorded: records, locks and blobs appear only complete (DESIGN decision 6).
 */
function fullDisk(e: unknown): { message: string; hint: string } | undefined {
  let x = e as { code?: string; syscall?: string; path?: string; message?: string; cause?: unknown } | undefined
  for (let depth = 0; x && depth < 4; depth++, x = x.cause as typeof x) {
    // An error from a worker thread keeps its message but loses its code on the way.
    const code = x.code ?? /^(ENOSPC|EDQUOT):/.exec(x.message ?? '')?.[1]
    if (code !== 'ENOSPC' && code !== 'EDQUOT') continue
    const what = code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded'
    return {
      message: x.path ? `${x.syscall ?? 'write'} ${x.path}: ${what}` : `${what}`,
      hint: 'free some space and run the command again: nothing half-written was kept',
    }
  }
  return undefined
}

/**
 * A store error by its shape (lib/errors.ts names each one `StoreError`): checked without loading
 * the library, which a parse error or `--help` never needs.
 */
function isStoreError(e: unknown): e is { code: string; data?: { status?: unknown } } {
  return e instanceof Error && e.name === 'StoreError' && typeof (e as { code?: unknown }).code === 'string'
}
