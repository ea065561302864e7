// `--mount` (docker/cli opts/mount.go, then moby's checks): one CSV record of key=value fields.
// Keys are case-insensitive and split on the first `=`; the type defaults to volume; every
// message is Docker's. Pure: `cwd` makes relative `.` sources absolute.

import { readCsvRecord, CsvError } from './_csv.js'
import { absPath, goQuote, isAbs, trimSpace } from './_go.js'
import { mountError } from './_errors.js'
import { checkRawMount, checkVolumeName, toSpec, type RawMount } from './_raw.js'
import { parseOctal32, ramInBytes } from '../_sizes.js'
import type { BindRecursive, MountSpec } from './types.js'

/** Fields that may stand alone: each means `<field>=true`. */
const BARE = ['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive', 'bind-create-src']

/** docker/cli parseBoolValue: only 1, true, 0, false (not Go's full ParseBool set). */
function parseBool(key: string, val: string, hasValue: boolean): boolean {
  if (!hasValue || val === '1' || val === 'true') return true
  if (val === '0' || val === 'false') return false
  throw mountError(`invalid value for '${key}': invalid boolean value (${goQuote(val)}): must be one of "true", "1", "false", or "0" (default "true")`)
}

/** k=v into a map; an empty key is dropped (as Docker does). */
function setOnMap(map: Record<string, string> | undefined, kv: string): Record<string, string> {
  const out = map ?? {}
  const i = kv.indexOf('=')
  const k = i < 0 ? kv : kv.slice(0, i)
  if (k !== '') out[k] = i < 0 ? '' : kv.slice(i + 1)
  return out
}

export function parseMount(value: string, cwd: string): MountSpec {
  const text = trimSpace(value)
  if (text === '') throw mountError('value is empty')
  let fields: string[]
  try {
    fields = readCsvRecord(text)
  } catch (e) {
    if (e instanceof CsvError) throw mountError(e.message, { value })
    throw e
  }

  const m: RawMount = { type: 'volume', source: '', target: '', readonly: false }
  const bind = () => (m.bind ??= {})
  const volume = () => (m.volume ??= {})
  const tmpfs = () => (m.tmpfs ??= {})

  for (const field of fields) {
    const eq = field.indexOf('=')
    const hasValue = eq >= 0
    const rawKey = hasValue ? field.slice(0, eq) : field
    const val = hasValue ? field.slice(eq + 1) : ''
    const k = trimSpace(rawKey)
    if (k !== rawKey) throw mountError(`invalid option '${k}' in '${field}': option should not have whitespace`)
    if (hasValue) {
      const v = trimSpace(val)
      if (v === '') throw mountError(`invalid value for '${rawKey}': value is empty`)
      if (v !== val) throw mountError(`invalid value for '${rawKey}' in '${field}': value should not have whitespace`)
    }
    const key = rawKey.toLowerCase()
    if (!hasValue && !BARE.includes(key)) throw mountError(`invalid field '${field}' must be a key=value pair`)

    switch (key) {
      case 'type':
        m.type = val.toLowerCase()
        break
      case 'source':
      case 'src':
        // Only sources that start with `.` are taken relative to cwd; `~` is not expanded.
        m.source = !isAbs(val) && val.startsWith('.') ? absPath(cwd, val) : val
        break
      case 'target':
      case 'dst':
      case 'destination':
        m.target = val
        break
      case 'readonly':
      case 'ro':
        m.readonly = parseBool(key, val, hasValue)
        break
      case 'consistency':
        break // macOS-only tuning: accepted, no effect on Linux
      case 'bind-propagation':
        bind().propagation = val.toLowerCase()
        break
      case 'bind-nonrecursive':
        throw mountError('bind-nonrecursive is deprecated, use bind-recursive=disabled instead')
      case 'bind-recursive':
        if (val === 'disabled' || val === 'writable' || val === 'readonly') bind().recursive = val as BindRecursive
        else if (val !== 'enabled') throw mountError(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`)
        break
      case 'bind-create-src':
        bind().createSrc = parseBool(key, val, hasValue)
        break
      case 'volume-subpath':
        volume().subpath = val
        break
      case 'volume-nocopy':
        volume().nocopy = parseBool(key, val, hasValue)
        break
      case 'volume-label':
        volume().labels = setOnMap(volume().labels, val)
        break
      case 'volume-driver':
        volume().driver = val
        break
      case 'volume-opt':
        volume().opts = setOnMap(volume().opts, val)
        break
      case 'tmpfs-size': {
        const n = ramInBytes(val)
        if (n === undefined) throw mountError(`invalid value for ${key}: ${val}`)
        tmpfs().size = n
        break
      }
      case 'tmpfs-mode': {
        const n = parseOctal32(val)
        if (n === undefined) throw mountError(`invalid value for ${key}: ${val}`)
        tmpfs().mode = n
        break
      }
      default:
        throw mountError(`unknown option '${key}' in '${field}'`)
    }
  }

  // Option families must match the type (docker/cli validateExclusiveOptions).
  for (const [family, present] of [['bind', m.bind], ['volume', m.volume], ['tmpfs', m.tmpfs]] as const) {
    if (present && m.type !== family) throw mountError(`cannot mix '${family}-*' options with mount type '${m.type}'`)
  }
  if (m.bind?.recursive === 'writable' && !m.readonly) {
    throw mountError("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
  }
  if (m.bind?.recursive === 'readonly') {
    if (!m.readonly) throw mountError("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")
    if (m.bind.propagation !== 'rprivate') {
      throw mountError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction")
    }
  }

  const problem = checkRawMount(m) ?? checkVolumeName(m)
  if (problem !== undefined) {
    const hint = problem.endsWith('mount type unknown') ? 'store mounts bind, volume and tmpfs' : undefined
    throw mountError(problem, { value }, hint)
  }
  return toSpec(m, 'mount')
}
