// Pieces of the generated launch.sh shared by every launcher. The script is plain POSIX sh
// (run by the host's /bin/sh as the container's PID 1, before the pivot), built from config.json
// values that are all shell-quoted; it is kept in the bundle so a failed start can be read.

import { shQuote as q } from '../driver/index.js'
import type { OciSpec } from './types.js'

export { q }

/**
 * Helpers for the setup script. fail(): setup errors are status 125 plus a message in the bundle
 * (launch() makes it the one error line the user sees; stderr only if it cannot be written).
 * rj(): resolve a container path inside $R the way the container would see it (symlinks
 * followed, absolute ones and ".." kept inside the root), so an image's symlink can never point
 * a mount or mkdir at the host; sets RJ (no fork unless a symlink is met).
 */
export function helpersPart(errorFile: string): string {
  return `fail() { printf '%s\\n' "$*" > ${q(errorFile)} || printf 'store: %s\\n' "$*" >&2; exit 125; }
rj() {
  rest=$1 RJ= n=0
  while [ -n "$rest" ]; do
    case $rest in /*) rest=\${rest#/}; continue;; esac
    c=\${rest%%/*}
    case $rest in */*) rest=\${rest#*/};; *) rest=;; esac
    case $c in .|'') continue;; ..) RJ=\${RJ%/*}; continue;; esac
    if [ -L "$R$RJ/$c" ]; then
      n=$((n+1)); [ $n -le 40 ] || return 1
      t=$(readlink "$R$RJ/$c")
      case $t in /*) RJ=;; esac
      rest=$t/$rest
    else
      RJ=$RJ/$c
    fi
  done
  RJ=\${RJ:-/}
}
`
}

function envValue(env: string[], key: string): string | undefined {
  const hit = [...env].reverse().find((e) => e.startsWith(`${key}=`))
  return hit?.slice(key.length + 1)
}

/** Lines that exit 127/126 with Docker's words when args[0] cannot be executed in the root. */
export function lookupLines(spec: OciSpec, mountedLater: string[] = []): string {
  const name = spec.process.args[0] ?? ''
  const cwd = spec.process.cwd || '/'
  const later = (p: string) => mountedLater.some((m) => p === m || p.startsWith(m.endsWith('/') ? m : `${m}/`))
  if (name === '') return `printf '%s\\n' 'exec: "": executable file not found in $PATH' >&2; exit 127`
  if (name.includes('/')) {
    const p = name.startsWith('/') ? name : `${cwd}/${name}`
    if (later(p)) return ''
    return [
      `rj ${q(p)}`,
      `if [ ! -e "$R$RJ" ]; then printf '%s\\n' ${q(`exec: "${name}": stat ${name}: no such file or directory`)} >&2; exit 127; fi`,
      `if [ -d "$R$RJ" ] || [ ! -x "$R$RJ" ]; then printf '%s\\n' ${q(`exec: "${name}": permission denied`)} >&2; exit 126; fi`,
    ].join('\n')
  }
  // glibc's execvp default when PATH is unset.
  const { env } = spec.process
  const path = envValue(env, 'PATH') ?? '/bin:/usr/bin'
  const candidates = path.split(':').map((d) => `${d === '' ? cwd : d.startsWith('/') ? d : `${cwd}/${d}`}/${name}`)
  // A command inside a mount made after this check (runc/crun mount themselves) is left to them.
  if (candidates.some(later)) return ''
  return [
    `found=; for p in ${candidates.map(q).join(' ')}; do rj "$p" && [ -f "$R$RJ" ] && [ -x "$R$RJ" ] && { found=1; break; }; done`,
    `[ -n "$found" ] || { printf '%s\\n' ${q(`exec: "${name}": executable file not found in $PATH`)} >&2; exit 127; }`,
  ].join('\n')
}

