import { constants } from 'node:os'
import { Codes, StoreError } from '../errors.js'

/** "SIGTERM", "TERM", "15" -> 15; Docker's message otherwise. */
export function signalNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s)
  const name = (s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`) as keyof typeof constants.signals
  const n = constants.signals[name]
  if (n === undefined) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid signal: ${s}`)
  return n
}
