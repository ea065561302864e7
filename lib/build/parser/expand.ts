// Variable substitution for Dockerfile words, as BuildKit's shell lexer does it:
// `$v`, `${v}`, `${v:-w}`, `${v-w}`, `${v:+w}`, `${v+w}`, `${v:?msg}`, `${v?msg}`,
// `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v/p/r}`, `${v//p/r}`; the escape char
// escapes anything outside quotes; single quotes suppress expansion, double quotes allow it.
// Quotes are removed here, not by the parser: the parser keeps words as written.

import { Codes, StoreError } from '../../errors.js'
import { goQuote } from './_text.js'
import { LexError, lexShell, type LexOptions, type Lookup } from './_lex.js'
import type { EscapeChar } from './types.js'

/** Variables visible to an expansion. A name absent from the map is unset (not the same as ""). */
export type Vars = ReadonlyMap<string, string> | Readonly<Record<string, string>>

export function lookupOf(vars: Vars): Lookup {
  if (vars instanceof Map) return (name) => vars.get(name)
  const rec = vars as Readonly<Record<string, string>>
  return (name) => (Object.prototype.hasOwnProperty.call(rec, name) ? rec[name] : undefined)
}

/**
 * An expanded word is at most this long: `ENV A=${A}${A}` repeated doubles a value at every
 * line (forty lines took 4.3 GB and 89 s before failing). The kernel takes no environment
 * string over 128 KiB anyway (MAX_ARG_STRLEN).
 */
export const MAX_EXPANDED = 1 << 20

function run(word: string, vars: Vars, escapeChar: string, opts?: LexOptions): { result: string; words: string[] } {
  try {
    const out = lexShell(word, lookupOf(vars), escapeChar, opts)
    if (out.result.length > MAX_EXPANDED) throw new LexError(`the expanded value is longer than ${MAX_EXPANDED >> 20} MiB`)
    return out
  } catch (e) {
    if (e instanceof LexError) {
      throw new StoreError(Codes.DOCKERFILE_PARSE, `failed to process ${goQuote(word)}: ${e.message}`, {
        data: { word },
        })
    }
    throw e
  }
}

/**
 * One word with variables substituted and quotes removed; spaces are kept (BuildKit's
 * ProcessWord, used for ENV, LABEL, WORKDIR, USER, COPY/ADD paths, FROM …).
 * Throws StoreError(DOCKERFILE_PARSE) on a syntax error or a failed `${v?msg}`.
 */
export function expand(word: string, vars: Vars, escapeChar: EscapeChar = '\\'): string {
  return run(word, vars, escapeChar).result
}

/**
 * The same, then split into words on unquoted whitespace (BuildKit's ProcessWords, used
 * for EXPOSE). Whitespace produced by a substitution splits too; quoted whitespace does not.
 */
export function expandWords(word: string, vars: Vars, escapeChar: EscapeChar = '\\'): string[] {
  return run(word, vars, escapeChar).words
}

/**
 * The body of a COPY/ADD heredoc whose delimiter was not quoted: variables are substituted,
 * quotes are ordinary characters and the escape char is always `\` (BuildKit's ExpandRaw).
 */
export function expandHeredoc(body: string, vars: Vars): string {
  return run(body, vars, '\\', { skipProcessQuotes: true }).result
}
