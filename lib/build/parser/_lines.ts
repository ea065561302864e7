// From text to logical lines, as BuildKit's parser.Parse reads a Dockerfile:
//  - parser directives are recognised only at the very top, before any other line
//    (an empty line, a comment or an instruction ends them);
//  - a line ending in the escape char (spaces and tabs may follow) continues on the next
//    line, unless the escape char is itself escaped (`\\`);
//  - comment lines (`#` as first non-blank) are dropped, also inside a continuation;
//    whitespace-only lines inside a continuation are dropped with a warning;
//  - after a RUN/COPY/ADD line with heredoc markers, the bodies are read verbatim.

import { Fail, parseError } from './_fail.js'
import { chompTabs, heredocsFromLine } from './_heredoc.js'
import { trimLeft } from './_text.js'
import type { Directive, EscapeChar, Heredoc } from './types.js'

export interface LogicalLine {
  text: string
  startLine: number
  endLine: number
  heredocs: Heredoc[]
}

export interface Lines {
  lines: LogicalLine[]
  directives: Directive[]
  escapeChar: EscapeChar
  warnings: string[]
  /** Number of physical lines in the text. */
  lineCount: number
}

const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/
const KNOWN = new Set(['syntax', 'escape', 'check'])

/** Physical lines with their endings, like bufio.Scanner with BuildKit's scanLines. */
function physicalLines(text: string): string[] {
  const out: string[] = []
  let start = 0
  for (;;) {
    const nl = text.indexOf('\n', start)
    if (nl < 0) break
    out.push(text.slice(start, nl + 1))
    start = nl + 1
  }
  if (start < text.length) out.push(text.slice(start))
  return out
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, '')
const isComment = (s: string): boolean => trimLeft(s).startsWith('#')

function continuationRegex(esc: EscapeChar): RegExp {
  const e = esc === '\\' ? '\\\\' : '`'
  // The char before the escape must not be an escape (`\\` at the end does not continue).
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`)
}

/**
 * Split `text` into logical lines. `wantsHeredocs(line)` says whether an instruction line
 * takes heredocs (RUN, COPY, ADD in shell form, or ONBUILD of one). `firstLine` numbers
 * the first physical line (used to re-parse ONBUILD triggers at their FROM line).
 */
export function logicalLines(text: string, wantsHeredocs: (line: string) => boolean, firstLine = 1, initialEscape: EscapeChar = '\\'): Lines {
  const phys = physicalLines(text)
  const directives: Directive[] = []
  const warnings: string[] = []
  const lines: LogicalLine[] = []
  let escapeChar: EscapeChar = initialEscape
  let cont = continuationRegex(escapeChar)
  let directivesDone = false
  const lineNo = (i: number): number => firstLine + i

  // A directive line is also a comment; the first line that is not one ends the directives.
  const directive = (token: string, i: number): void => {
    if (directivesDone) return
    const m = DIRECTIVE.exec(token)
    const key = m?.[1].toLowerCase()
    if (!m || !key || !KNOWN.has(key)) {
      directivesDone = true
      return
    }
    if (directives.some((d) => d.name === key)) throw parseError(lineNo(i), `only one ${key} parser directive can be used`)
    if (key === 'escape') {
      if (m[2] !== '`' && m[2] !== '\\') throw parseError(lineNo(i), `invalid escape token '${m[2]}' does not match \` or \\`)
      escapeChar = m[2]
      cont = continuationRegex(escapeChar)
    }
    directives.push({ name: key as Directive['name'], value: m[2], line: lineNo(i) })
  }

  let i = 0
  while (i < phys.length) {
    let first = phys[i]
    if (i === 0 && first.startsWith('\ufeff')) first = first.slice(1)
    const token = trimLeft(trimNewline(first))
    directive(token, i)
    i++
    const startLine = lineNo(i - 1)
    let text = isComment(token) ? '' : token
    let ended = !cont.test(text)
    if (!ended) text = text.replace(cont, '$1')
    if (ended && text === '') continue

    let emptyContinuation = false
    while (!ended && i < phys.length) {
      const raw = trimNewline(phys[i])
      i++
      if (isComment(raw)) continue
      if (trimLeft(raw) === '') {
        emptyContinuation = true
        continue
      }
      ended = !cont.test(raw)
      text += ended ? raw : raw.replace(cont, '$1')
    }
    if (emptyContinuation) warnings.push(`Empty continuation line found in: ${text}`)
    // BuildKit would report "unknown instruction: " for a line that is only an escape char;
    // nothing was written there, so it is skipped like an empty line.
    if (trimLeft(text) === '') continue

    const heredocs: Heredoc[] = []
    if (text.includes('<<') && wantsHeredocs(text)) {
      let markers
      try {
        markers = heredocsFromLine(text)
      } catch (e) {
        if (e instanceof Fail) throw parseError(startLine, e.message)
        throw e
      }
      for (const m of markers) {
        let content = ''
        let terminated = false
        while (i < phys.length) {
          const raw = phys[i]
          i++
          let candidate = trimNewline(raw)
          if (m.chomp) candidate = candidate.replace(/^\t+/, '')
          if (candidate === m.name) {
            terminated = true
            break
          }
          content += raw
        }
        if (!terminated) throw parseError(startLine, 'unterminated heredoc')
        heredocs.push({ ...m, content, data: m.chomp ? chompTabs(content) : content })
      }
    }
    lines.push({ text, startLine, endLine: lineNo(i - 1), heredocs })
  }
  return { lines, directives, escapeChar, warnings, lineCount: phys.length }
}
