// A MountSpec written back as a `--mount` value that parses to the same spec (property-tested):
// for display, logs and records. Pure.
//
// Two things have no `--mount` form in Docker and are left out: the origin (the result says
// `mount`) and the extra mount(8) options of a `--tmpfs DIR:OPTS` (noexec, uid=…).

import { csvField } from './_csv.js'
import { trimSpace } from './_go.js'
import type { MountSpec } from './types.js'

/**
 * A cleaned path can end in whitespace ("/a /b/.." cleans to "/a "), which `--mount` refuses
 * in a value; "/a /." says the same path without it and cleans back to "/a ".
 */
const pathOut = (p: string): string => (trimSpace(p) === p ? p : `${p}/.`)

export function formatMount(spec: MountSpec): string {
  const f: string[] = [`type=${spec.kind}`]
  if (spec.kind === 'bind') f.push(`source=${pathOut(spec.source)}`)
  if (spec.kind === 'volume' && spec.source !== undefined) f.push(`source=${spec.source}`)
  f.push(`target=${pathOut(spec.target)}`)
  if (spec.readonly) f.push('readonly')
  switch (spec.kind) {
    case 'bind':
      if (spec.propagation) f.push(`bind-propagation=${spec.propagation}`)
      if (spec.bindRecursive !== 'enabled') f.push(`bind-recursive=${spec.bindRecursive}`)
      if (spec.bindCreateSrc) f.push('bind-create-src')
      break
    case 'volume':
      if (spec.nocopy) f.push('volume-nocopy')
      if (spec.subpath !== undefined) f.push(`volume-subpath=${spec.subpath}`)
      for (const [k, v] of Object.entries(spec.labels)) f.push(`volume-label=${k}=${v}`)
      if (spec.driver !== undefined) f.push(`volume-driver=${spec.driver}`)
      for (const [k, v] of Object.entries(spec.driverOpts)) f.push(`volume-opt=${k}=${v}`)
      break
    case 'tmpfs':
      if (spec.size !== undefined) f.push(`tmpfs-size=${spec.size}`)
      if (spec.mode !== undefined) f.push(`tmpfs-mode=${spec.mode.toString(8)}`)
      break
  }
  return f.map(csvField).join(',')
}
