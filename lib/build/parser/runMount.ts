// RUN --mount at build time: BuildKit's parseMount with an expander (every value substituted
// with the stage's variables, then checked: instructions/commands_runmount.go), followed by the
// defaults dockerfile2llb/convert_runmount.go, convert_secrets.go and convert_ssh.go apply
// (target against WORKDIR, cache id, secret id and target). Same order of checks, same words.

import { cleanPath, joinPath } from '../../_gopath.js'
import { Fail } from './_fail.js'
import { csvFields } from './_run.js'
import { goQuote } from './_text.js'
import type { RunMountSpec } from './types.js'

const KEYS = ['type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid', 'gid', 'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env']

/** strconv.ParseBool */
function goBool(key: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false
  throw new Fail(`invalid value for ${key}: ${v}`)
}

/** strconv.ParseUint(v, base, 32) */
function goUint32(v: string, base: 8 | 10): number | undefined {
  if (!(base === 8 ? /^[0-7]+$/ : /^[0-9]+$/).test(v)) return undefined
  const n = Number.parseInt(v, base)
  return n <= 0xffffffff ? n : undefined
}

/**
 * go-units RAMInBytes (`size=` of a tmpfs): binary units, optional `b`/`ib`, one optional space.
 * The same rule as lib/mount's tmpfs-size, kept here because the parser imports nothing outside.
 */
function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(s)
  if (!m) return undefined
  const n = Math.trunc(Number(m[1]) * (m[2] ? 1024 ** ('kmgtp'.indexOf(m[2].toLowerCase()) + 1) : 1))
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * One `--mount=` value as the step will mount it. `expand` substitutes the stage's variables in
 * a value; `workdir` is the WORKDIR in effect (a relative target is under it). Throws Fail.
 */
export function resolveRunMount(raw: string, expand: (word: string) => string, workdir: string): RunMountSpec {
  let type: RunMountSpec['type'] = 'bind'
  let from = ''
  let source = ''
  let target = ''
  let readonly = false
  let roAuto = true
  let size: number | undefined
  let id = ''
  let sharing: 'shared' | 'private' | 'locked' | '' = ''
  let required = false
  let env: string | undefined
  let mode: number | undefined
  let uid: number | undefined
  let gid: number | undefined

  for (const field of csvFields(raw)) {
    const eq = field.indexOf('=')
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase()
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') {
        readonly = true
        roAuto = false
      } else if (key === 'readwrite' || key === 'rw') {
        readonly = false
        roAuto = false
      } else if (key === 'required') {
        if (type !== 'secret' && type !== 'ssh') throw new Fail(`unexpected key '${key}' for mount type '${type}'`)
        required = true
      } else throw new Fail(`invalid field '${field}' must be a key=value pair`)
      continue
    }
    const value = expand(field.slice(eq + 1))
    switch (key) {
      case 'type': {
        const t = value.toLowerCase()
        if (!['bind', 'cache', 'tmpfs', 'secret', 'ssh'].includes(t)) throw new Fail(`unsupported mount type ${goQuote(value)}`)
        type = t as RunMountSpec['type']
        break
      }
      case 'from':
        from = value
        break
      case 'source':
      case 'src':
        source = value
        break
      case 'target':
      case 'dst':
      case 'destination':
        target = value
        break
      case 'readonly':
      case 'ro':
        readonly = goBool(key, value)
        roAuto = false
        break
      case 'readwrite':
      case 'rw':
        readonly = !goBool(key, value)
        roAuto = false
        break
      case 'required':
        if (type !== 'secret' && type !== 'ssh') throw new Fail(`unexpected key '${key}' for mount type '${type}'`)
        required = goBool(key, value)
        break
      case 'size':
        if (type !== 'tmpfs') throw new Fail(`unexpected key '${key}' for mount type '${type}'`)
        size = ramInBytes(value)
        if (size === undefined) throw new Fail(`invalid value for ${key}: ${value}`)
        break
      case 'id':
        id = value
        break
      case 'sharing': {
        const v = value.toLowerCase()
        if (v !== 'shared' && v !== 'private' && v !== 'locked') throw new Fail(`unsupported sharing value ${goQuote(value)}`)
        sharing = v
        break
      }
      case 'mode':
        mode = goUint32(value, 8)
        if (mode === undefined) throw new Fail(`invalid value ${value} for mode`)
        break
      case 'uid':
        uid = goUint32(value, 10)
        if (uid === undefined) throw new Fail(`invalid value ${value} for uid`)
        break
      case 'gid':
        gid = goUint32(value, 10)
        if (gid === undefined) throw new Fail(`invalid value ${value} for gid`)
        break
      case 'env':
        env = value
        break
      default:
        throw new Fail(`unexpected key '${key}' in '${field}'`, `the keys are ${KEYS.join(', ')}`)
    }
  }

  if (type !== 'secret' && type !== 'ssh' && type !== 'cache') {
    if (mode !== undefined) throw new Fail(`mode not allowed for ${goQuote(type)} type mounts`)
    if (uid !== undefined) throw new Fail(`uid not allowed for ${goQuote(type)} type mounts`)
    if (gid !== undefined) throw new Fail(`gid not allowed for ${goQuote(type)} type mounts`)
  }
  if (roAuto) readonly = type !== 'cache' && type !== 'tmpfs'
  if (type === 'secret') {
    if (from !== '') throw new Fail('secret mount should not have a from')
    if (sharing !== '') throw new Fail('secret mount should not define sharing')
    if (source === '' && target === '' && id === '') throw new Fail('invalid secret mount. one of source, target required')
    if (source !== '' && id !== '') throw new Fail("both source and id can't be set")
  }
  if (sharing !== '' && type !== 'cache') throw new Fail(`invalid cache sharing set for ${type} mount`)
  // BuildKit reads `env` for secrets only; anywhere else it would be ignored: refuse instead.
  if (env !== undefined && type !== 'secret') throw new Fail(`unexpected key 'env' for mount type '${type}'`)

  const base = (p: string) => cleanPath(p).split('/').pop() || '/'
  if (type === 'secret') {
    const secretId = id || source || (target === '' ? '' : base(target))
    let dest = target
    if (env === undefined && dest === '') dest = `/run/secrets/${base(secretId)}`
    if (dest !== '') dest = absTarget(dest, workdir)
    return { type, id: secretId, ...(dest === '' ? {} : { target: dest }), ...(env === undefined ? {} : { env }), required, mode: mode ?? 0o400, uid: uid ?? 0, gid: gid ?? 0 }
  }
  if (type === 'ssh') {
    if (source !== '') throw new Fail('ssh does not support source')
    return { type, id: id || 'default', ...(target === '' ? {} : { target: absTarget(target, workdir) }), required }
  }
  const dest = absTarget(target, workdir)
  if (dest === '/') throw new Fail(`invalid mount target ${goQuote(dest)}`)
  if (type === 'tmpfs') return { type, target: dest, readonly, ...(size === undefined ? {} : { size }) }
  const src = joinPath('/', source)
  if (type === 'bind') return { type, target: dest, source: src, ...(from === '' ? {} : { from }), readonly }
  return {
    type, target: dest, id: id || cleanPath(target), sharing: sharing || 'shared', source: src, ...(from === '' ? {} : { from }), readonly,
    ...(mode === undefined ? {} : { mode }), ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }),
  }
}

/** A relative target is under the WORKDIR (convert_runmount.go: filepath.Join("/", dir, target)). */
function absTarget(target: string, workdir: string): string {
  const t = cleanPath(target)
  return t.startsWith('/') ? t : joinPath('/', workdir, target)
}
