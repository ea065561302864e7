// The shell-word lexer of BuildKit (frontend/dockerfile/shell/lex.go): quote removal,
// escapes, `$v`/`${v…}` substitution and word splitting, in one pass over the code points.
// It throws LexError with BuildKit's words; expand.ts turns that into a StoreError.

import { PatternError, shellPatternToRegex, trimPrefix, trimSuffix } from './_shellPattern.js'

export class LexError extends Error {}

const patternError = (e: unknown): unknown => (e instanceof PatternError ? new LexError(e.message) : e)

export interface LexOptions {
  /** Keep quote characters in the output (heredoc detection). */
  rawQuotes?: boolean
  /** Keep escape characters in the output (heredoc detection). */
  rawEscapes?: boolean
  /** Leave references to unset variables as written instead of expanding them to "". */
  skipUnsetEnv?: boolean
  /** Treat quotes as ordinary characters (expansion of heredoc bodies). */
  skipProcessQuotes?: boolean
}

export type Lookup = (name: string) => string | undefined

const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!', '0'])
const LETTER = /^\p{L}$/u
const DIGIT = /^\p{Nd}$/u
const isSpaceCp = (ch: string): boolean => /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(ch)

/** Words of a processed string; characters from substitutions split on spaces, quoted ones do not. */
class Words {
  private buf = ''
  private inWord = false
  readonly words: string[] = []
  addChar(ch: string): void {
    if (isSpaceCp(ch)) {
      if (this.inWord && this.buf.length > 0) {
        this.words.push(this.buf)
        this.buf = ''
        this.inWord = false
      }
    } else this.addRaw(ch)
  }
  addRaw(s: string): void {
    this.buf += s
    this.inWord = true
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch)
  }
  finish(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf)
      this.buf = ''
      this.inWord = false
    }
    return this.words
  }
}

class ShellWord {
  private readonly cps: string[]
  private pos = 0
  private rawEscapes: boolean

  constructor(src: string, private readonly lookup: Lookup, private readonly esc: string, private readonly o: LexOptions) {
    this.cps = Array.from(src)
    this.rawEscapes = o.rawEscapes ?? false
  }

  private peek(): string | undefined { return this.cps[this.pos] }
  private next(): string | undefined { return this.pos < this.cps.length ? this.cps[this.pos++] : undefined }

  run(): { result: string; words: string[] } {
    return this.stopOn(undefined, this.rawEscapes)
  }

  private stopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes
    this.rawEscapes = rawEscapes
    try {
      let result = ''
      const words = new Words()
      for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
        if (stop !== undefined && ch === stop) {
          this.next()
          return { result, words: words.finish() }
        }
        if (ch === '$') {
          const v = this.dollar()
          result += v
          words.addString(v)
        } else if (!this.o.skipProcessQuotes && (ch === "'" || ch === '"')) {
          const v = ch === "'" ? this.singleQuote() : this.doubleQuote()
          result += v
          words.addRaw(v)
        } else {
          this.next()
          if (ch === this.esc) {
            if (this.rawEscapes) {
              words.addRaw(ch)
              result += ch
            }
            const n = this.next()
            if (n === undefined) break // an escape at the very end is dropped
            words.addRaw(n)
            result += n
          } else {
            words.addChar(ch)
            result += ch
          }
        }
      }
      if (stop !== undefined) throw new LexError(`unexpected end of statement while looking for matching ${stop}`)
      return { result, words: words.finish() }
    } finally {
      this.rawEscapes = saved
    }
  }

  // Everything between single quotes is literal; a single quote cannot be escaped.
  private singleQuote(): string {
    let result = this.o.rawQuotes ? "'" : ''
    this.next()
    for (;;) {
      const ch = this.next()
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching single-quote')
      if (ch === "'") return this.o.rawQuotes ? result + ch : result
      result += ch
    }
  }

  // Double quotes keep everything but `$`; the escape char escapes only `"`, `$` and itself.
  private doubleQuote(): string {
    let result = this.o.rawQuotes ? '"' : ''
    this.next()
    for (;;) {
      const p = this.peek()
      if (p === undefined) throw new LexError('unexpected end of statement while looking for matching double-quote')
      if (p === '"') {
        this.next()
        return this.o.rawQuotes ? result + p : result
      }
      if (p === '$') {
        result += this.dollar()
        continue
      }
      let ch = this.next() as string
      if (ch === this.esc) {
        if (this.rawEscapes) result += ch
        const n = this.peek()
        if (n === undefined) continue
        if (n === '"' || n === '$' || n === this.esc) ch = this.next() as string
      }
      result += ch
    }
  }

  private value(name: string): string | undefined {
    return this.lookup(name)
  }

  private dollar(): string {
    this.next() // $
    if (this.peek() !== '{') {
      const name = this.name()
      if (name === '') return '$'
      const v = this.value(name)
      if (v === undefined && this.o.skipUnsetEnv) return '$' + name
      return v ?? ''
    }
    this.next() // {
    const first = this.peek()
    if (first === undefined) throw new LexError("syntax error: missing '}'")
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution')
    const name = this.name()
    let ch = this.next()
    if (ch === undefined) throw new LexError("syntax error: missing '}'")
    let chs = ch
    if (ch === '}') {
      const v = this.value(name)
      if (v === undefined && this.o.skipUnsetEnv) return `\${${name}}`
      return v ?? ''
    }
    let nullIsUnset = false
    if (ch === ':') {
      nullIsUnset = true
      ch = this.next()
      if (ch === undefined) throw new LexError("syntax error: missing '}'")
      chs += ch
    }
    if (nullIsUnset || ch === '+' || ch === '-' || ch === '?' || ch === '#' || ch === '%') {
      return this.modifier(name, ch, chs, nullIsUnset)
    }
    if (ch === '/') return this.replace(name)
    throw new LexError(`unsupported modifier (${chs}) in substitution`)
  }

  private modifier(name: string, ch: string, chs: string, nullIsUnset: boolean): string {
    const patternOp = ch === '#' || ch === '%'
    if (nullIsUnset && patternOp) throw new LexError(`unsupported modifier (${chs}) in substitution`)
    let word = this.wordUntil('}', patternOp, "syntax error: missing '}'")
    const value = this.value(name)
    const set = value !== undefined
    if (!set && this.o.skipUnsetEnv) return `\${${name}${chs}${word}}`
    const empty = !set || (nullIsUnset && value === '')
    switch (ch) {
      case '-':
        return empty ? word : (value as string)
      case '+':
        return empty ? '' : word
      case '?':
        if (!set) throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`)
        if (nullIsUnset && value === '') throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`)
        return value as string
      case '#':
      case '%': {
        // `#`/`%` remove the shortest matching prefix/suffix, `##`/`%%` the longest.
        const greedy = word.startsWith(ch)
        if (greedy) word = word.slice(1)
        try {
          return ch === '%' ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy)
        } catch (e) {
          throw patternError(e)
        }
      }
    }
    throw new LexError(`unsupported modifier (${chs}) in substitution`)
  }

  private replace(name: string): string {
    const all = this.peek() === '/'
    if (all) this.next()
    const pattern = this.wordUntil('/', true, "syntax error: missing '/' in ${}")
    const replacement = this.wordUntil('}', true, "syntax error: missing '}'")
    const value = this.value(name)
    if (value === undefined && this.o.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`
    try {
      // A function replacer keeps `$` in the replacement literal.
      return (value ?? '').replace(shellPatternToRegex(pattern, true, false, all), () => replacement)
    } catch (e) {
      throw patternError(e)
    }
  }

  private wordUntil(stop: string, rawEscapes: boolean, eofMessage: string): string {
    try {
      return this.stopOn(stop, rawEscapes).result
    } catch (e) {
      if (e instanceof LexError && this.peek() === undefined) throw new LexError(eofMessage)
      throw e
    }
  }

  // A name: letters, digits, `_`; or all leading digits ($1); or one special parameter ($?).
  private name(): string {
    let name = ''
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && DIGIT.test(ch)) {
        while (this.peek() !== undefined && DIGIT.test(this.peek() as string)) name += this.next()
        return name
      }
      if (name === '' && SPECIAL.has(ch)) {
        this.next()
        return ch
      }
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== '_') break
      name += this.next()
    }
    return name
  }
}

/** Run the lexer over `src`. Throws LexError with BuildKit's message (without the "failed to process" prefix). */
export function lexShell(src: string, lookup: Lookup, escapeChar: string, opts: LexOptions = {}): { result: string; words: string[] } {
  return new ShellWord(src, lookup, escapeChar, opts).run()
}
