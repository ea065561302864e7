// `--filter key=value` as Docker reads it (api/types/filters): a key may be given several times
// (any of its values matches, labels all must), keys combine with AND; an unknown key is
// `invalid filter 'key'`, a bad value `invalid filter 'key=[value]'` (Go prints the values as
// a list). `match` is Docker's Args.Match: the value is a regular expression found anywhere.
// `glob` is Go's path.Match, which `reference=` uses. Pure.

import { Codes, StoreError } from './errors.js'

export type Filters = Map<string, string[]>

function invalid(key: string, values?: string[]): StoreError {
  return new StoreError(Codes.INVALID_ARGUMENT, `invalid filter '${key}${values ? `=[${values.join(' ')}]` : ''}'`)
}

/** The filters typed (`-f key=value`, each once or more), checked against the keys a command knows. */
export function parseFilters(args: readonly string[] | undefined, accepted: readonly string[]): Filters {
  const out: Filters = new Map()
  for (const a of args ?? []) {
    const eq = a.indexOf('=')
    if (eq <= 0) throw new StoreError(Codes.INVALID_ARGUMENT, 'bad format of filter (expected name=value)')
    const key = a.slice(0, eq).trim().toLowerCase()
    if (!accepted.includes(key)) throw invalid(key)
    out.set(key, [...(out.get(key) ?? []), a.slice(eq + 1)])
  }
  return out
}

/** A true/false filter (`dangling`): undefined when absent; anything but true/false (or 1/0) is invalid. */
export function boolFilter(f: Filters, key: string): boolean | undefined {
  const v = f.get(key)
  if (!v) return undefined
  const last = v[v.length - 1].toLowerCase()
  if (last === 'true' || last === '1') return true
  if (last === 'false' || last === '0') return false
  throw invalid(key, v)
}

/** Whether any of the key's values, as a regular expression, is found in one of `texts`; true when the key is absent. */
export function matches(f: Filters, key: string, ...texts: string[]): boolean {
  const v = f.get(key)
  if (!v) return true
  return v.some((re) => {
    let r: RegExp
    try {
      r = new RegExp(re)
    } catch {
      throw invalid(key, [re])
    }
    return texts.some((t) => r.test(t))
  })
}

/** Every `label=key` or `label=key=value` holds for these labels. */
export function matchLabels(f: Filters, labels: Record<string, string> | undefined): boolean {
  for (const l of f.get('label') ?? []) {
    const eq = l.indexOf('=')
    const key = eq < 0 ? l : l.slice(0, eq)
    if (!labels || !(key in labels)) return false
    if (eq >= 0 && labels[key] !== l.slice(eq + 1)) return false
  }
  return true
}

/** Go's path.Match: `*` any run of non-`/`, `?` one non-`/`, `[…]` a class (`^` negates), `\\` escapes. */
export function glob(pattern: string, s: string): boolean {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end < 0) return false // Go: ErrBadPattern, which matches nothing
      let body = pattern.slice(i + 1, end)
      if (body.startsWith('^')) body = `^${body.slice(1)}`
      re += `[${body.replace(/\\(?!.)/g, '\\\\')}]`
      i = end
    } else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&')
  }
  return new RegExp(`${re}$`).test(s)
}

/** The prune filters Docker takes (`until`, `label`, `label!`). */
export const PRUNE_FILTERS = ['until', 'label', 'label!'] as const

/**
 * `until=`: a Go duration before now (`24h`, `1h30m`, `90s`), a Unix time (`1700000000[.5]`) or an
 * RFC 3339 date; the instant in ms. Docker's message for anything else.
 */
/**
 * As untilTime, in whole microseconds, keeping the digits of an RFC 3339 or Unix time past the
 * millisecond (`logs --since` of a time `logs -t` printed must name that line, not the one before).
 */
export function timeMicros(value: string, now: Date): number {
  const ms = untilTime(value, now)
  const frac = /^(?:\d{4}-\d{2}-\d{2}T[\d:]+|\d+)\.(\d+)/.exec(value)?.[1]
  const extra = frac && frac.length > 3 ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0
  return Math.floor(ms) * 1000 + extra
}

export function untilTime(value: string, now: Date): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, \u00b5s: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  if (/^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/.test(value)) {
    let ms = 0
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]]
    return now.getTime() - ms
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000
  const t = Date.parse(value)
  if (!Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}/.test(value)) return t
  throw new StoreError(Codes.INVALID_ARGUMENT, `failed to parse value as time or duration: "${value}"`)
}

/** The earliest of the `until` filters, ms (what is older than it is older than every one); undefined without any. */
export function earliestUntil(f: Filters, now: Date): number | undefined {
  const times = (f.get('until') ?? []).map((u) => untilTime(u, now))
  return times.length ? Math.min(...times) : undefined
}

/**
 * What a prune may remove by these filters: created before every `until`, carrying every
 * `label` and none of the `label!` ones (Docker's prune rules).
 */
export function pruneMatch(f: Filters, created: string | undefined, labels: Record<string, string> | undefined, now: Date): boolean {
  for (const u of f.get('until') ?? []) {
    const t = Date.parse(created ?? '')
    if (Number.isNaN(t) || t >= untilTime(u, now)) return false
  }
  if (!matchLabels(new Map([['label', f.get('label') ?? []]]), labels ?? {})) return false
  for (const l of f.get('label!') ?? []) {
    const eq = l.indexOf('=')
    const key = eq < 0 ? l : l.slice(0, eq)
    if (labels && key in labels && (eq < 0 || labels[key] === l.slice(eq + 1))) return false
  }
  return true
}
