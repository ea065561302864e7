// Small Go-compatible helpers, so the parsers judge strings and paths exactly as docker/cli and
// moby do: strings.TrimSpace, %q, filepath.Abs and filepath.IsLocal (Unix rules); path.Clean
// is shared with the Dockerfile parser (../_gopath.ts). Pure: no node: imports.

import { cleanPath } from '../_gopath.js'

// unicode.IsSpace: ASCII space, \t \n \v \f \r, U+0085, U+00A0 and the Unicode White_Space
// separators. (JavaScript's trim() differs: it strips U+FEFF and keeps U+0085.)
const SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
const TRIM = new RegExp(`^${SPACE}+|${SPACE}+$`, 'g')

export function trimSpace(s: string): string {
  return s.replace(TRIM, '')
}

/** Go's %q for a string: double-quoted, with Go escapes for control and non-printable runes. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    switch (ch) {
      case '"': out += '\\"'; continue
      case '\\': out += '\\\\'; continue
      case '\x07': out += '\\a'; continue
      case '\b': out += '\\b'; continue
      case '\f': out += '\\f'; continue
      case '\n': out += '\\n'; continue
      case '\r': out += '\\r'; continue
      case '\t': out += '\\t'; continue
      case '\v': out += '\\v'; continue
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0xd800 && c <= 0xdfff) || c === 0xfeff) {
      out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`
    } else out += ch
  }
  return `${out}"`
}

export const isAbs = (p: string): boolean => p.startsWith('/')

/** filepath.Abs against a given working directory. */
export function absPath(cwd: string, p: string): string {
  return cleanPath(isAbs(p) ? p : `${cwd}/${p}`)
}

/** filepath.IsLocal (Unix): relative, not empty, and stays inside its directory lexically. */
export function isLocal(p: string): boolean {
  if (isAbs(p) || p === '') return false
  const c = p.split('/').some((x) => x === '.' || x === '..') ? cleanPath(p) : p
  return c !== '..' && !c.startsWith('../')
}
