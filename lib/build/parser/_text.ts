// Go-compatible text helpers. BuildKit's behaviour hangs on Go's notion of a space
// (unicode.IsSpace), of quoting (%q, strconv.Quote) and of formatting (%v), so these
// mirror Go rather than JavaScript (whose \s, for one, also matches U+FEFF and not U+0085).

/** unicode.IsSpace for one UTF-16 code unit (every space is in the BMP). */
export function isSpaceCode(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000
}

export const isSpace = (ch: string): boolean => ch.length > 0 && isSpaceCode(ch.charCodeAt(0))

/** strings.TrimLeftFunc(s, unicode.IsSpace) */
export function trimLeft(s: string): string {
  let i = 0
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++
  return i === 0 ? s : s.slice(i)
}

/** strings.TrimSpace */
export function trimSpace(s: string): string {
  let j = s.length
  while (j > 0 && isSpaceCode(s.charCodeAt(j - 1))) j--
  return trimLeft(j === s.length ? s : s.slice(0, j))
}

// BuildKit's tokenWhitespace: `[\t\v\f\r ]+` (no newline, no Unicode spaces).
const WS = /[\t\v\f\r ]+/

/** regexp.Split(s, -1) on BuildKit's whitespace. */
export function splitWhitespace(s: string): string[] {
  return s.split(WS)
}

/** regexp.Split(s, 2): the first field and the rest, or just the field. */
export function splitWhitespace2(s: string): [string] | [string, string] {
  const m = WS.exec(s)
  if (!m) return [s]
  return [s.slice(0, m.index), s.slice(m.index + m[0].length)]
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u
const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0')

function escapeCodePoint(ch: string, quote: string): string {
  switch (ch) {
    case '\x07': return '\\a'
    case '\b': return '\\b'
    case '\f': return '\\f'
    case '\n': return '\\n'
    case '\r': return '\\r'
    case '\t': return '\\t'
    case '\v': return '\\v'
    case '\\': return '\\\\'
    case quote: return '\\' + quote
  }
  const c = ch.codePointAt(0) ?? 0
  if (c >= 0xd800 && c <= 0xdfff) return '\\ufffd' // a lone surrogate is invalid UTF-8 to Go
  if (PRINTABLE.test(ch)) return ch
  if (c < 0x80) return '\\x' + hex(c, 2)
  return c < 0x10000 ? '\\u' + hex(c, 4) : '\\U' + hex(c, 8)
}

/** strconv.Quote (what `%q` prints for a string). */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) out += escapeCodePoint(ch, '"')
  return out + '"'
}

/** strconv.QuoteRune (what `%q` prints for an integer). */
export function goQuoteRune(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return "'\ufffd'"
  return "'" + escapeCodePoint(String.fromCodePoint(n), "'") + "'"
}

/** `%q` of a []string: `["a" "b"]`. */
export const goQuoteSlice = (xs: readonly string[]): string => '[' + xs.map(goQuote).join(' ') + ']'

/** `%v` of a []string: `[a b]`. */
export const goSlice = (xs: readonly string[]): string => '[' + xs.join(' ') + ']'
