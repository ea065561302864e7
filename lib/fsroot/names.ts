// The names in a host directory, as strings. Node decodes names as UTF-8 and turns bytes that
// are not into U+FFFD: two names could become one, and the lossy one names no file. A name that
// is not valid UTF-8 is refused, naming its bytes: store keeps names as strings end to end.

import { readdirSync } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import { isUtf8 } from '../_bytes.js'

const dec = new TextDecoder()

/** Names in `dir` (`where` says what it is, for the error). */
export function readNames(dir: string, where: string): string[] {
  const out: string[] = []
  for (const b of readdirSync(dir, { encoding: 'buffer' })) {
    if (!isUtf8(b)) {
      const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ')
      throw new StoreError(Codes.NAME_NOT_UTF8, `cannot read "${dec.decode(b)}" in ${where}: its name is not valid UTF-8 (bytes ${hex})`, {
        data: { bytes: hex }, })
    }
    out.push(dec.decode(b))
  }
  return out
}
