// BuildKit's BFlags: `--name`, `--name=value`; each instruction declares the flags it takes.

import { Fail } from './_fail.js'

export type FlagType = 'bool' | 'string' | 'strings'
export type FlagSpec = Readonly<Record<string, FlagType>>

export interface FlagValues {
  bool: Record<string, boolean>
  string: Record<string, string>
  strings: Record<string, string[]>
}

/** Parse `--flag` words against `spec` with BuildKit's checks and messages. */
export function parseFlags(words: readonly string[], spec: FlagSpec): FlagValues {
  const out: FlagValues = { bool: {}, string: {}, strings: {} }
  const used = new Set<string>()
  for (const a of words) {
    if (a === '--') break // end of options
    if (!a.startsWith('--')) throw new Fail(`arg should start with -- : ${a}`)
    const eq = a.indexOf('=')
    const flagName = eq < 0 ? a : a.slice(0, eq)
    const hasValue = eq >= 0
    const value = hasValue ? a.slice(eq + 1) : ''
    const name = flagName.slice(2)
    const type = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined
    if (!type) {
      const known = Object.keys(spec)
      const hint = known.length ? `${known.map((k) => '--' + k).join(', ')} ${known.length === 1 ? 'is' : 'are'} accepted here` : undefined
      throw new Fail(`unknown flag: ${flagName}`, hint)
    }
    if (used.has(name) && type !== 'strings') throw new Fail(`duplicate flag specified: ${flagName}`)
    used.add(name)
    if (type === 'bool') {
      if (hasValue && value === '') throw new Fail(`missing a value on flag: ${flagName}`)
      const lower = value.toLowerCase()
      if (lower === 'true' || lower === '') out.bool[name] = true
      else if (lower === 'false') out.bool[name] = false
      else throw new Fail(`expecting boolean value for flag ${flagName}, not: ${value}`)
    } else {
      if (!hasValue) throw new Fail(`missing a value on flag: ${flagName}`)
      if (type === 'string') out.string[name] = value
      else (out.strings[name] ??= []).push(value)
    }
  }
  return out
}
