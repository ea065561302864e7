// PAX extended header records: "<len> <key>=<value>\n", where <len> counts the whole record
// in bytes, its own digits included. Values are raw bytes (xattr values may hold anything,
// newlines and '=' included), so records are cut by length, never by searching for '\n'.

import { concat, decodeUtf8, utf8 } from './_fields.js'

/** Records in order of appearance; a later record for the same key wins. Throws a message. */
export function decodePax(data: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  let pos = 0
  while (pos < data.length) {
    // Some writers pad the records with NULs; nothing can follow them.
    if (data[pos] === 0) {
      for (let i = pos; i < data.length; i++) if (data[i] !== 0) throw new Error('data after NUL padding')
      break
    }
    let len = 0
    let i = pos
    for (; i < data.length && data[i] !== 0x20; i++) {
      const c = data[i]!
      if (c < 0x30 || c > 0x39 || i - pos > 15) throw new Error(`bad record length at byte ${pos}`)
      len = len * 10 + (c - 0x30)
    }
    const end = pos + len
    if (i === pos || i >= data.length || end > data.length || end <= i + 1 || data[end - 1] !== 0x0a) {
      throw new Error(`bad record at byte ${pos}`)
    }
    const rec = data.subarray(i + 1, end - 1)
    const eq = rec.indexOf(0x3d)
    if (eq <= 0) throw new Error(`record without a key at byte ${pos}`)
    // A copy, and a plain Uint8Array even when the input is a Buffer (whose slice() is a view).
    out.set(decodeUtf8(rec.subarray(0, eq)), new Uint8Array(rec.subarray(eq + 1)))
    pos = end
  }
  return out
}

/** Records sorted by key (byte order), so equal inputs give equal bytes. */
export function encodePax(records: Map<string, Uint8Array>): Uint8Array {
  const keys = [...records.keys()].map((k) => ({ k, b: utf8.encode(k) }))
  keys.sort((x, y) => compareBytes(x.b, y.b))
  const parts: Uint8Array[] = []
  for (const { k, b } of keys) {
    const value = records.get(k)!
    const rest = 1 + b.length + 1 + value.length + 1 // space, key, '=', value, '\n'
    let len = rest + String(rest).length
    // Adding the digits can add a digit (e.g. 98 + 2 = 100): settle on a fixed point.
    while (String(len).length + rest !== len) len = rest + String(len).length
    parts.push(utf8.encode(`${len} `), b, utf8.encode('='), value, utf8.encode('\n'))
  }
  return concat(parts)
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** A number as plain decimal text (never exponent notation), exact for any double. */
export function formatDecimal(n: number): string {
  const s = String(n)
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)
  if (!m) return s
  const [, sign, lead, frac = '', expText] = m
  const exp = Number(expText)
  const digits = lead! + frac
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
  const intLen = exp + 1
  if (digits.length <= intLen) return sign + digits + '0'.repeat(intLen - digits.length)
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`
}
