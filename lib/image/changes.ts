// `--change` for import and commit: the Dockerfile instructions that only touch the config
// (CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD USER VOLUME WORKDIR STOPSIGNAL), as `docker import`
// and `docker commit` accept them. Pure.

import { Codes, StoreError } from '../errors.js'
import type { RunConfig } from './model.js'

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'USER', 'VOLUME', 'WORKDIR', 'STOPSIGNAL']

function bad(msg: string): StoreError {
  return new StoreError(Codes.INVALID_ARGUMENT, msg, { exit: 1 })
}

/** Exec form if a JSON array of strings, else shell form. */
export function commandForm(rest: string, shell: string[] = ['/bin/sh', '-c']): string[] {
  const t = rest.trim()
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t)
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v
    } catch {
      // not JSON: shell form, as Docker falls back silently
    }
  }
  return [...shell, t]
}

/** Split `k=v k2="v 2"` pairs, or the legacy `KEY value with spaces`. */
export function parseKeyValues(rest: string, legacyOk: boolean): [string, string][] {
  const t = rest.trim()
  const firstWord = t.split(/\s+/, 1)[0] ?? ''
  if (!firstWord.includes('=')) {
    if (!legacyOk) throw bad(`invalid key-value pair: ${t}`)
    const m = /^(\S+)\s+([\s\S]*)$/.exec(t)
    if (!m) throw bad(`${t} must have two arguments`)
    return [[m[1], m[2]]]
  }
  const out: [string, string][] = []
  let i = 0
  while (i < t.length) {
    while (i < t.length && /\s/.test(t[i])) i++
    if (i >= t.length) break
    let word = ''
    let quote = ''
    for (; i < t.length; i++) {
      const c = t[i]
      if (quote) {
        if (c === quote) quote = ''
        else if (c === '\\' && quote === '"' && i + 1 < t.length) word += t[++i]
        else word += c
      } else if (c === '"' || c === "'") quote = c
      else if (c === '\\' && i + 1 < t.length) word += t[++i]
      else if (/\s/.test(c)) break
      else word += c
    }
    const eq = word.indexOf('=')
    if (eq <= 0) throw bad(`invalid key-value pair: ${word}`)
    out.push([word.slice(0, eq), word.slice(eq + 1)])
  }
  return out
}

export function applyChange(cfg: RunConfig, line: string): void {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(line)
  if (!m) throw bad(`invalid change: "${line}"`)
  const word = m[1].toUpperCase()
  const rest = m[2]
  if (!ALLOWED.includes(word)) throw bad(`${m[1]} is not a valid change command`)
  switch (word) {
    case 'CMD':
      cfg.Cmd = commandForm(rest)
      break
    case 'ENTRYPOINT':
      cfg.Entrypoint = commandForm(rest)
      break
    case 'ENV': {
      const env = cfg.Env ?? []
      for (const [k, v] of parseKeyValues(rest, true)) {
        const i = env.findIndex((e) => e.split('=', 1)[0] === k)
        if (i >= 0) env[i] = `${k}=${v}`
        else env.push(`${k}=${v}`)
      }
      cfg.Env = env
      break
    }
    case 'LABEL':
      cfg.Labels = { ...(cfg.Labels ?? {}) }
      for (const [k, v] of parseKeyValues(rest, true)) cfg.Labels[k] = v
      break
    case 'EXPOSE':
      cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) }
      for (const p of rest.trim().split(/\s+/).filter(Boolean)) cfg.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {}
      break
    case 'VOLUME': {
      cfg.Volumes = { ...(cfg.Volumes ?? {}) }
      const t = rest.trim()
      const list = t.startsWith('[') ? (JSON.parse(t) as string[]) : t.split(/\s+/).filter(Boolean)
      for (const v of list) cfg.Volumes[v] = {}
      break
    }
    case 'USER':
      cfg.User = rest.trim()
      break
    case 'WORKDIR': {
      const w = rest.trim()
      cfg.WorkingDir = w.startsWith('/') ? w : `${cfg.WorkingDir ?? '/'}/${w}`.replace(/\/+/g, '/')
      break
    }
    case 'STOPSIGNAL':
      cfg.StopSignal = rest.trim()
      break
    case 'ONBUILD':
      cfg.OnBuild = [...(cfg.OnBuild ?? []), rest.trim()]
      break
  }
}
