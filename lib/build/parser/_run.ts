// RUN: command line, heredocs and the `--mount`, `--network`, `--security` flags. A mount is
// checked here only as far as BuildKit can before variables are known (CSV, keys, a literal
// type, `from` without `$`); resolveRunMount() (runMount.ts) does the rest at build time.

import { Fail } from './_fail.js'
import { parseFlags } from './_flags.js'
import { goQuote } from './_text.js'
import { commandLine, type BuildCtx } from './_commands.js'
import type { Heredoc, RunInstruction, RunMount } from './types.js'

const MOUNT_TYPES = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'] as const
const ALIASES: Record<string, string> = { src: 'source', dst: 'target', destination: 'target', ro: 'readonly', rw: 'readwrite' }
const KEYS = new Set(['type', 'from', 'source', 'target', 'readonly', 'readwrite', 'id', 'sharing', 'mode', 'uid', 'gid', 'required', 'size', 'env'])
const BARE = new Set(['readonly', 'readwrite', 'required'])

/** One CSV record (encoding/csv): fields split on commas, double quotes protect commas. */
export function csvFields(s: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') field += s[++i]
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"' && field === '') quoted = true
    else if (c === ',') {
      out.push(field)
      field = ''
    } else field += c
  }
  if (quoted) throw new Fail(`parse error on mount ${goQuote(s)}: extraneous or missing " in quoted-field`)
  out.push(field)
  return out
}

/** One `--mount=` value: type (default bind) and its fields, keys normalised. */
export function parseRunMount(raw: string): RunMount {
  const options: Record<string, string> = {}
  let type: RunMount['type'] = 'bind'
  for (const field of csvFields(raw)) {
    const eq = field.indexOf('=')
    let key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase()
    key = ALIASES[key] ?? key
    if (eq < 0 && !BARE.has(key)) throw new Fail(`invalid field '${field}' must be a key=value pair`)
    if (!KEYS.has(key)) throw new Fail(`unexpected key '${key}' in '${field}'`)
    const value = eq < 0 ? 'true' : field.slice(eq + 1)
    // A value with `$` is known at build time only; `from` never takes one (BuildKit).
    if (key === 'from' && value.indexOf('$') >= 0 && value.indexOf('$') !== value.length - 1) {
      throw new Fail(`'from' doesn't support variable expansion, define alias stage instead`)
    }
    if (key === 'type' && !value.includes('$')) {
      const t = value.toLowerCase()
      if (!(MOUNT_TYPES as readonly string[]).includes(t)) throw new Fail(`unsupported mount type ${goQuote(value)}`)
      type = t as RunMount['type']
    }
    options[key] = value
  }
  return { type, options, raw }
}

export function buildRun({ split, base }: BuildCtx, heredocs: Heredoc[]): RunInstruction {
  const cmd = commandLine(split.args)
  const flags = parseFlags(base.flags, { mount: 'strings', network: 'string', security: 'string' })
  const out: RunInstruction = {
    ...base,
    kind: 'RUN',
    cmd,
    heredocs: cmd.form === 'shell' ? heredocs : [],
    mounts: (flags.strings.mount ?? []).map(parseRunMount),
  }
  const network = flags.string.network
  if (network !== undefined) {
    if (!['default', 'none', 'host'].includes(network)) throw new Fail(`invalid network mode ${goQuote(network)}`)
    out.network = network
  }
  const security = flags.string.security
  if (security !== undefined) {
    if (!['sandbox', 'insecure'].includes(security)) throw new Fail(`security ${goQuote(security)} is not valid`)
    out.security = security
  }
  return out
}
