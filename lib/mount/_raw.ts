// A mount as the Docker API holds it (mount.Mount: type, source, target, readonly and one optional
// block of options per family), checked as moby's linux parser checks it
// (validateMountConfigImpl, without the bind-source-exists test) and turned into a MountSpec.
// Both `--mount` and `-v` end here, so they agree on every rule after their own syntax.

import { cleanPath } from '../_gopath.js'
import { isAbs, isLocal } from './_go.js'
import { mountConfig, mustBeAbsolute, TARGET_IS_ROOT } from './_errors.js'
import { volumeNameProblem } from './volumeName.js'
import type { BindRecursive, MountOrigin, MountSpec, Propagation } from './types.js'

export const PROPAGATIONS: readonly string[] = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']

export interface RawMount {
  type: string
  source: string
  target: string
  readonly: boolean
  bind?: { propagation?: string; recursive?: BindRecursive; createSrc?: boolean }
  volume?: { nocopy?: boolean; subpath?: string; labels?: Record<string, string>; driver?: string; opts?: Record<string, string> }
  tmpfs?: { size?: number; mode?: number }
}

/** The daemon's complaint about a mount, or undefined. */
export function checkRawMount(m: RawMount): string | undefined {
  const bad = (what: string) => mountConfig(m.type, what)
  if (m.target === '') return bad('field Target must not be empty')
  if (cleanPath(m.target) === '/') return bad(TARGET_IS_ROOT)
  if (!isAbs(m.target)) return bad(mustBeAbsolute(m.target))
  switch (m.type) {
    case 'bind':
      if (m.source === '') return bad('field Source must not be empty')
      if (m.bind?.propagation && !PROPAGATIONS.includes(m.bind.propagation)) return bad(`invalid propagation mode: ${m.bind.propagation}`)
      if (m.volume) return bad('field VolumeOptions must not be specified')
      if (!isAbs(m.source)) return bad(mustBeAbsolute(m.source))
      return undefined
    case 'volume': {
      if (m.bind) return bad('field BindOptions must not be specified')
      const anonymous = m.source === ''
      if (m.volume?.subpath) {
        if (anonymous) return bad('must not set Subpath when using anonymous volumes')
        if (!isLocal(m.volume.subpath)) return bad('subpath must be a relative path within the volume')
      }
      if (m.readonly && anonymous) return bad('must not set ReadOnly mode when using anonymous volumes')
      return undefined
    }
    case 'tmpfs':
      if (m.bind) return bad('field BindOptions must not be specified')
      if (m.source !== '') return bad('field Source must not be specified')
      return undefined
    default:
      return bad('mount type unknown')
  }
}

/**
 * The volume service's complaint when this mount would create a volume with a bad name
 * (moby wraps it as OpErr{Op: "create"}), or undefined.
 */
export function checkVolumeName(m: RawMount): string | undefined {
  if (m.type !== 'volume' || m.source === '') return undefined
  const problem = volumeNameProblem(m.source)
  return problem === undefined ? undefined : `create ${m.source}: ${problem}`
}

/** A checked RawMount as a MountSpec: paths cleaned (as moby's MountPoint), defaults filled in. */
export function toSpec(m: RawMount, origin: MountOrigin): MountSpec {
  const target = cleanPath(m.target)
  if (m.type === 'bind') {
    return {
      kind: 'bind', target, source: cleanPath(m.source), readonly: m.readonly, origin,
      ...(m.bind?.propagation ? { propagation: m.bind.propagation as Propagation } : {}),
      bindRecursive: m.bind?.recursive ?? 'enabled',
      bindCreateSrc: m.bind?.createSrc ?? false,
    }
  }
  if (m.type === 'volume') {
    const v = m.volume ?? {}
    return {
      kind: 'volume', target, readonly: m.readonly, origin,
      ...(m.source !== '' ? { source: m.source } : {}),
      nocopy: v.nocopy ?? false,
      ...(v.subpath ? { subpath: v.subpath } : {}),
      labels: { ...v.labels },
      ...(v.driver !== undefined ? { driver: v.driver } : {}),
      driverOpts: { ...v.opts },
    }
  }
  return {
    kind: 'tmpfs', target, readonly: m.readonly, origin,
    // Zero means "not set" to moby (ConvertTmpfsOptions skips it): the kernel's defaults apply.
    ...(m.tmpfs?.size ? { size: m.tmpfs.size } : {}),
    ...(m.tmpfs?.mode ? { mode: m.tmpfs.mode } : {}),
    options: [],
  }
}
