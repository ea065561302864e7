// `-v/--volume SOURCE:TARGET[:MODE]` or `-v TARGET` (moby ParseMountRaw, Linux rules). An
// absolute source is a bind mount, anything else names a volume; no source is an anonymous
// volume. Unlike `--mount`, a missing bind source is created (bindCreateSrc). Pure.

import { absPath, isAbs } from './_go.js'
import { invalidSpec, mountError } from './_errors.js'
import { checkRawMount, checkVolumeName, PROPAGATIONS, toSpec, type RawMount } from './_raw.js'
import type { MountSpec } from './types.js'

/** Mode words by kind; a mode may name each kind at most once. */
const MODE_KINDS: Record<string, string> = {
  rw: 'rw', ro: 'rw',
  z: 'label', Z: 'label', // SELinux relabelling: accepted, no effect here
  ...Object.fromEntries(PROPAGATIONS.map((p) => [p, 'propagation'])),
  nocopy: 'copy',
  consistent: 'consistency', cached: 'consistency', delegated: 'consistency',
}

/** linuxValidMountMode: "" is valid; else comma-separated known words, one per kind. */
function validMode(mode: string): boolean {
  if (mode === '') return true
  const seen = new Set<string>()
  for (const o of mode.split(',')) {
    const kind = Object.hasOwn(MODE_KINDS, o) ? MODE_KINDS[o] : undefined
    if (kind === undefined || seen.has(kind)) return false
    seen.add(kind)
  }
  return true
}

export function parseVolume(spec: string, cwd: string): MountSpec {
  // The CLI turns a host part starting with `.` into an absolute path before the daemon sees
  // the spec, so the daemon's messages quote the rewritten spec.
  const first = spec.indexOf(':')
  const host = first < 0 ? '' : spec.slice(0, first)
  const raw = host.startsWith('.') ? `${absPath(cwd, host)}${spec.slice(first)}` : spec

  // SplitN(raw, ":", 4); every section must be non-empty.
  const arr: string[] = []
  let rest = raw
  while (arr.length < 3 && rest.includes(':')) {
    const i = rest.indexOf(':')
    arr.push(rest.slice(0, i))
    rest = rest.slice(i + 1)
  }
  arr.push(rest)
  // (The CLI refuses these before any rewrite, so its message quotes the spec as typed.)
  if (arr.length > 3 || arr.some((s) => s === '')) throw mountError(invalidSpec(spec), { spec })

  let source = ''
  let target: string
  let mode = ''
  if (arr.length === 1) target = arr[0]
  else {
    // `/foo:ro` is a target with a mode but no source: not a valid volume.
    if (arr.length === 2 && validMode(arr[1])) throw mountError(invalidSpec(raw), { spec })
    ;[source, target, mode = ''] = arr
  }
  if (!validMode(mode)) throw mountError(`invalid mode: ${mode}`, { spec })

  const words = mode === '' ? [] : mode.split(',')
  const m: RawMount = { type: isAbs(source) ? 'bind' : 'volume', source, target, readonly: words.includes('ro') }
  if (words.includes('nocopy')) m.volume = { nocopy: true }
  const propagation = words.find((w) => PROPAGATIONS.includes(w))
  if (propagation) m.bind = { propagation }
  if (m.type === 'bind') (m.bind ??= {}).createSrc = true

  const problem = checkRawMount(m)
  if (problem !== undefined) throw mountError(`${invalidSpec(raw)}: ${problem}`, { spec })
  const nameProblem = checkVolumeName(m)
  if (nameProblem !== undefined) throw mountError(nameProblem, { spec })
  return toSpec(m, 'volume')
}
