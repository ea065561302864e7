// Splitting a logical line the way BuildKit's parser does before any instruction-specific
// work: command word, `--flags`, then per-instruction argument shapes (whitespace list,
// JSON array, quote-aware words). Pure string work; Fail on BuildKit's errors.

import { Fail } from './_fail.js'
import { isSpace, splitWhitespace, splitWhitespace2, trimLeft, trimSpace } from './_text.js'

export interface SplitLine { cmd: string; flags: string[]; args: string }

/** splitCommand: the command word, the leading `--flag` words, and the rest (trimmed). */
export function splitCommand(line: string): SplitLine {
  const parts = splitWhitespace2(trimSpace(line))
  if (parts.length === 1) return { cmd: parts[0], flags: [], args: '' }
  const { rest, flags } = extractFlags(parts[1])
  return { cmd: parts[0], flags, args: trimSpace(rest) }
}

// extractBuilderFlags: words starting with `--` are flags until the first other word or `--`.
// Quotes group and are removed; `\` escapes the next char (always `\`, whatever `# escape=`).
function extractFlags(line: string): { rest: string; flags: string[] } {
  const words: string[] = []
  let phase: 'spaces' | 'word' | 'quote' = 'spaces'
  let word = ''
  let quote = ''
  let blankOK = false
  for (let pos = 0; pos <= line.length; pos++) {
    const atEnd = pos === line.length
    let ch = atEnd ? '' : line[pos]
    if (phase === 'spaces') {
      if (atEnd) break
      if (isSpace(ch)) continue
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return { rest: line.slice(pos), flags: words }
      phase = 'word'
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word)
      break
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces'
        if (word === '--') return { rest: line.slice(pos), flags: words }
        if (blankOK || word.length > 0) words.push(word)
        word = ''
        blankOK = false
        continue
      }
      if (ch === "'" || ch === '"') {
        quote = ch
        blankOK = true
        phase = 'quote'
        continue
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue
        ch = line[++pos]
      }
      word += ch
      continue
    }
    // inside quotes
    if (ch === quote) {
      phase = 'word'
      continue
    }
    if (ch === '\\') {
      if (pos + 1 === line.length) {
        phase = 'word'
        continue
      }
      ch = line[++pos]
    }
    word += ch
  }
  return { rest: '', flags: words }
}

/**
 * parseWords: split on unquoted whitespace, keeping quotes and escapes in the words (they
 * are removed later, at expansion). Used by ENV, LABEL and ARG.
 */
export function parseWords(rest: string, esc: string): string[] {
  const words: string[] = []
  let phase: 'spaces' | 'word' | 'quote' = 'spaces'
  let word = ''
  let quote = ''
  let blankOK = false
  for (let pos = 0; pos <= rest.length; pos++) {
    const atEnd = pos === rest.length
    let ch = atEnd ? '' : rest[pos]
    if (phase === 'spaces') {
      if (atEnd) break
      if (isSpace(ch)) continue
      phase = 'word'
    }
    if (atEnd) {
      if (blankOK || word.length > 0) words.push(word)
      break
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces'
        if (blankOK || word.length > 0) words.push(word)
        word = ''
        blankOK = false
        continue
      }
      if (ch === "'" || ch === '"') {
        quote = ch
        blankOK = true
        phase = 'quote'
      }
      if (ch === esc) {
        if (pos + 1 === rest.length) continue // an escape at the end is dropped
        word += ch
        ch = rest[++pos]
      }
      word += ch
      continue
    }
    if (ch === quote) phase = 'word'
    if (ch === esc && quote !== "'") {
      if (pos + 1 === rest.length) {
        phase = 'word'
        continue
      }
      word += ch
      ch = rest[++pos]
    }
    word += ch
  }
  return words
}

/** parseStringsWhitespaceDelimited: "" gives no words. */
export const whitespaceList = (rest: string): string[] => (rest === '' ? [] : splitWhitespace(rest))

const NOT_STRINGS = 'when using JSON array syntax, arrays must be comprised of strings only'

// Index just past the JSON array that starts at s[0] === '[', or -1 when it never closes.
function jsonArrayEnd(s: string): number {
  let depth = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++
      if (i >= s.length) return -1
    } else if (c === '[' || c === '{') depth++
    else if (c === ']' || c === '}') {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return -1
}

/**
 * The JSON array at the start of `rest`, or undefined when there is none (shell form).
 * Like Go's json.Decoder, anything after the array is ignored. An array holding a
 * non-string is an error.
 */
export function jsonArray(rest: string): string[] | undefined {
  const s = trimLeft(rest)
  if (!s.startsWith('[')) return undefined
  const end = jsonArrayEnd(s)
  if (end < 0) return undefined
  let v: unknown
  try {
    v = JSON.parse(s.slice(0, end))
  } catch {
    return undefined
  }
  if (!Array.isArray(v)) return undefined
  if (!v.every((x) => typeof x === 'string')) throw new Fail(NOT_STRINGS)
  return v as string[]
}

/** parseMaybeJSON (RUN CMD ENTRYPOINT SHELL): JSON array, else the whole rest as one word. */
export function maybeJson(rest: string): { json: boolean; args: string[] } {
  if (rest === '') return { json: false, args: [] }
  const arr = jsonArray(rest)
  return arr ? { json: true, args: arr } : { json: false, args: [rest] }
}

/** parseMaybeJSONToList (COPY ADD VOLUME): JSON array, else whitespace-separated words. */
export function maybeJsonList(rest: string): { json: boolean; args: string[] } {
  const arr = jsonArray(rest)
  return arr ? { json: true, args: arr } : { json: false, args: whitespaceList(rest) }
}
