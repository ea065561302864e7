// The first record of a CSV text, read exactly as Go's encoding/csv Reader.Read does with its
// defaults (comma ',', no lazy quotes, no comment char), since `--mount` is parsed that way:
// double quotes protect commas and newlines, `""` is a quote, a quote inside an unquoted field
// or after a closing quote is an error, and a newline outside quotes ends the record (the rest
// is ignored). Error texts and positions are Go's: 1-based line, 1-based UTF-8 byte column.

const ERR_BARE_QUOTE = 'bare " in non-quoted field'
const ERR_QUOTE = 'extraneous or missing " in quoted-field'

export class CsvError extends Error {}

const enc = new TextEncoder()
const bytes = (s: string): number => enc.encode(s).length

function parseError(startLine: number, line: number, col: number, what: string): CsvError {
  const at = startLine !== line ? `record on line ${startLine}; parse error on line ${line}` : `parse error on line ${line}`
  return new CsvError(`${at}, column ${col}: ${what}`)
}

/** Go's readLine: a line with its '\n' (none at EOF), \r\n normalised, a trailing \r at EOF dropped. */
function lineReader(text: string) {
  let off = 0
  return {
    num: 0,
    next(): string | undefined {
      if (off >= text.length) return undefined
      const nl = text.indexOf('\n', off)
      let line = nl < 0 ? text.slice(off) : text.slice(off, nl + 1)
      off = nl < 0 ? text.length : nl + 1
      if (nl < 0 && line.endsWith('\r')) line = line.slice(0, -1)
      if (line.endsWith('\r\n')) line = `${line.slice(0, -2)}\n`
      this.num++
      return line
    },
  }
}

const lengthNL = (s: string): number => (s.endsWith('\n') ? 1 : 0)

/** Fields of the first non-empty record; [] for a text of empty lines. Throws CsvError. */
export function readCsvRecord(text: string): string[] {
  const r = lineReader(text)
  let line: string | undefined
  while ((line = r.next()) !== undefined && line.length === lengthNL(line));
  if (line === undefined) return []
  const startLine = r.num
  const fields: string[] = []
  let pos = { line: r.num, col: 1 }
  for (;;) {
    if (!line.startsWith('"')) {
      const i = line.indexOf(',')
      const field = i >= 0 ? line.slice(0, i) : line.slice(0, line.length - lengthNL(line))
      const j = field.indexOf('"')
      if (j >= 0) throw parseError(startLine, r.num, pos.col + bytes(field.slice(0, j)), ERR_BARE_QUOTE)
      fields.push(field)
      if (i < 0) return fields
      pos.col += bytes(line.slice(0, i + 1))
      line = line.slice(i + 1)
      continue
    }
    // Quoted field: may span lines.
    line = line.slice(1)
    pos.col += 1
    let value = ''
    let eof = false
    for (;;) {
      const i = line.indexOf('"')
      if (i >= 0) {
        value += line.slice(0, i)
        pos.col += bytes(line.slice(0, i + 1))
        line = line.slice(i + 1)
        if (line.startsWith('"')) {
          value += '"'
          line = line.slice(1)
          pos.col += 1
        } else if (line.startsWith(',')) {
          line = line.slice(1)
          pos.col += 1
          fields.push(value)
          break
        } else if (line.length === lengthNL(line)) {
          fields.push(value)
          return fields
        } else {
          throw parseError(startLine, r.num, pos.col - 1, ERR_QUOTE)
        }
      } else if (line.length > 0 && !eof) {
        value += line
        pos.col += bytes(line)
        const next = r.next()
        if (next === undefined) {
          line = ''
          eof = true
        } else {
          line = next
          pos = { line: pos.line + 1, col: 1 }
        }
      } else {
        // Input ended inside the quotes.
        throw parseError(startLine, pos.line, pos.col, ERR_QUOTE)
      }
    }
  }
}

/**
 * One field, quoted when it has to be (where Go's csv.Writer would quote). Unlike Go's writer it
 * also survives CR LF: the reader turns the CR LF ending a line into LF, even inside quotes, so
 * a CR LF in the value is written CR CR LF.
 */
export function csvField(s: string): string {
  const needs = s === '\\.' || /[,"\r\n]/.test(s) || /^[\s\u0085]/.test(s)
  return needs ? `"${s.replaceAll('"', '""').replaceAll('\r\n', '\r\r\n')}"` : s
}
