// A mistake on the command line, said as Docker's CLI (28) says it: the unknown command or
// flag, or the arguments a command wants, then its usage line and where help is. Docker exits
// 125 for a flag it does not know and 1 for the rest. Pure: yargs' message and the command
// path it was parsing in, and the words typed.

/** The command yargs was in: `commands` its names (`['system', 'df']`), `full` their definitions (`'logs <container>'`). */
export interface UsageContext {
  commands: string[]
  full: string[]
}

/** Commands that only group others. */
const GROUPS = new Set(['system', 'volume', 'builder', 'image', 'container', 'network'])

/** `logs <container>` → `logs [OPTIONS] CONTAINER`, `rm <containers..>` → `rm [OPTIONS] CONTAINER [CONTAINER...]`. */
export function usageLine(ctx: UsageContext): string {
  const names = ctx.commands.join(' ')
  const leaf = ctx.full[ctx.full.length - 1] ?? ''
  if (GROUPS.has(ctx.commands[ctx.commands.length - 1] ?? '')) return `store ${names}`
  const args = leaf.split(/\s+/).slice(1).map((a) => {
    const m = /^([<[])([^.\]>]+)(\.\.)?[\]>]$/.exec(a)
    if (!m) return a.toUpperCase()
    const word = (m[3] ? m[2].replace(/s$/, '') : m[2]).toUpperCase()
    if (m[1] === '<') return m[3] ? `${word} [${word}...]` : word
    return m[3] ? `[${word}...]` : `[${word}]`
  })
  return ['store', names, '[OPTIONS]', ...args].filter(Boolean).join(' ')
}

/** The required positionals of the leaf command, and whether more may follow. */
function wanted(ctx: UsageContext): { n: number; more: boolean } {
  const args = (ctx.full[ctx.full.length - 1] ?? '').split(/\s+/).slice(1)
  return { n: args.filter((a) => a.startsWith('<')).length, more: args.some((a) => a.endsWith('..>') || a.endsWith('..]')) }
}

const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`

/** Docker's text for yargs' `message` (no trailing newline) and the exit status. */
export function usageError(message: string, ctx: UsageContext, typed: string[]): { text: string; exit: number } {
  const path = ctx.commands.join(' ')
  const cmd = path ? `store ${path}` : 'store'
  const tail = (see = 'Run') => `${path ? `\n\nUsage:  ${usageLine(ctx)}` : ''}\n\n${see} '${cmd} --help' for more information`
  if (/^unknown (shorthand )?flag: /.test(message)) return { text: `${message}${tail()}`, exit: 125 } // found before yargs (_split.ts)
  const unknown = /^Unknown arguments?: (.+)$/.exec(message)
  if (unknown) {
    const name = unknown[1].split(', ')[0]
    const long = typed.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))
    if (long !== undefined) return { text: `unknown flag: --${name}${tail()}`, exit: 125 }
    const short = name.length === 1 ? typed.find((a) => /^-[^-]/.test(a) && a.slice(1).split('=')[0].includes(name)) : undefined
    if (short !== undefined) return { text: `unknown shorthand flag: '${name}' in ${short}${tail()}`, exit: 125 }
    // A word: a command nobody has, or an argument too many.
    if (!path || GROUPS.has(ctx.commands[ctx.commands.length - 1])) return { text: `store: unknown command: ${cmd} ${name}${tail()}`, exit: 1 }
    const w = wanted(ctx)
    if (w.n === 0 && !w.more) return { text: `store: '${cmd}' accepts no arguments${tail()}`, exit: 1 }
    return { text: `store: '${cmd}' requires ${plural(w.n)}${tail()}`, exit: 1 }
  }
  if (/^Not enough non-option arguments/.test(message) && path) {
    const w = wanted(ctx)
    return w.more ? { text: `store: '${cmd}' requires at least ${plural(w.n)}${tail('See')}`, exit: 1 } : { text: `store: '${cmd}' requires ${plural(w.n)}${tail()}`, exit: 1 }
  }
  return { text: `${message}\nSee '${cmd} --help'.`, exit: 1 }
}
