// Heredoc markers on an instruction line (BuildKit parser.go): the line is split into shell
// words with quotes and escapes kept; each word `[n]<<[-]NAME` opens a heredoc whose body is
// read by _lines.ts. A quoted NAME (`<<"EOF"`, `<<'EOF'`, even partly) disables expansion.

import { Fail } from './_fail.js'
import { LexError, lexShell } from './_lex.js'

export interface HeredocMarker { name: string; chomp: boolean; expand: boolean; fd: number }

const MARKER = /^(\d*)<<(-?)([^<]*)$/
const unset = (): undefined => undefined

const quoteCount = (s: string): number => {
  let n = 0
  for (const c of s) if (c === '"' || c === "'") n++
  return n
}

/** The heredoc a single word opens, or undefined. Throws Fail on a malformed delimiter. */
export function heredocMarker(word: string): HeredocMarker | undefined {
  const m = MARKER.exec(word)
  if (!m || m[3] === '') return undefined
  const rest = m[3]
  try {
    // Lex the delimiter with and without quotes: if the counts differ, part of it was quoted.
    const words = lexShell(rest, unset, '\\', { skipUnsetEnv: true }).words
    if (words.length !== 1) return undefined
    const raw = lexShell(rest, unset, '\\', { skipUnsetEnv: true, rawQuotes: true }).words
    if (raw.length !== 1) throw new Fail(`internal lexing of heredoc produced inconsistent results: ${rest}`)
    return {
      name: words[0],
      chomp: m[2] === '-',
      expand: quoteCount(words[0]) === quoteCount(raw[0]),
      fd: m[1] === '' ? 0 : Number(m[1]),
    }
  } catch (e) {
    if (e instanceof LexError) throw new Fail(e.message)
    throw e
  }
}

/** Every heredoc opened on `line`, in order. */
export function heredocsFromLine(line: string): HeredocMarker[] {
  let words: string[]
  try {
    words = lexShell(line, unset, '\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words
  } catch {
    return [] // BuildKit ignores lexing errors here: the line simply has no heredocs
  }
  const out: HeredocMarker[] = []
  for (const w of words) {
    const h = heredocMarker(w)
    if (h) out.push(h)
  }
  return out
}

/** `<<-`: strip leading tabs from every line (BuildKit's ChompHeredocContent, `(?m)^\t+`). */
export const chompTabs = (s: string): string => s.replace(/(^|\n)\t+/g, '$1')
