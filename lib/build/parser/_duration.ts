// Go's time.ParseDuration and Duration.String, for HEALTHCHECK flags and their history line.

import { Fail } from './_fail.js'
import { goQuote } from './_text.js'

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }

/** Nanoseconds of a Go duration string (`1m30s`, `1.5h`, `300ms`, `0`). */
export function parseGoDuration(orig: string): number {
  let s = orig
  let neg = false
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') throw new Fail(`time: invalid duration ${goQuote(orig)}`)
  let total = 0
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s) as RegExpExecArray
    const whole = num[1]
    const frac = num[2] ?? ''
    if (whole === '' && frac === '') throw new Fail(`time: invalid duration ${goQuote(orig)}`)
    s = s.slice(num[0].length)
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? ''
    if (unit === '') throw new Fail(`time: missing unit in duration ${goQuote(orig)}`)
    const scale = UNITS[unit]
    if (scale === undefined) throw new Fail(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`)
    s = s.slice(unit.length)
    total += Number(whole || '0') * scale + (frac ? Math.floor(Number('0.' + frac) * scale) : 0)
  }
  return neg ? -total : total
}

// An integer as "int.frac" with `prec` implied decimals, trailing zeros dropped.
function decimal(v: number, prec: number): string {
  const p = 10 ** prec
  const whole = Math.floor(v / p)
  const frac = String(v % p).padStart(prec, '0').replace(/0+$/, '')
  return frac ? `${whole}.${frac}` : String(whole)
}

/** Duration.String: `0s`, `150ms`, `1.5s`, `1m30s`, `1h0m0s`. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s'
  const sign = ns < 0 ? '-' : ''
  const u = Math.abs(Math.round(ns))
  if (u < 1e3) return `${sign}${u}ns`
  if (u < 1e6) return `${sign}${decimal(u, 3)}µs`
  if (u < 1e9) return `${sign}${decimal(u, 6)}ms`
  const secs = decimal(u % 60e9, 9) + 's'
  const mins = Math.floor(u / 60e9)
  if (mins === 0) return sign + secs
  const hours = Math.floor(mins / 60)
  return `${sign}${hours > 0 ? `${hours}h` : ''}${mins % 60}m${secs}`
}
