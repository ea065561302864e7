// A MountSpec as the container record stores it. Pure (type imports only).

import type { ContainerMount } from './types.js'
import type { MountSpec } from './types.js'

/** `volumeName` names the volume of an anonymous volume mount (the caller picks it). */
export function toContainerMount(spec: MountSpec, volumeName?: string): ContainerMount {
  const base = { destination: spec.target, readonly: spec.readonly }
  switch (spec.kind) {
    case 'bind':
      return { ...base, type: 'bind', source: spec.source, propagation: spec.propagation ?? '' }
    case 'volume': {
      const name = spec.source ?? volumeName ?? ''
      return {
        ...base, type: 'volume', source: name, name, propagation: '',
        ...(spec.source === undefined ? { anonymous: true } : {}),
        ...(spec.subpath !== undefined ? { subpath: spec.subpath } : {}),
        ...(spec.nocopy ? { nocopy: true } : {}),
      }
    }
    case 'tmpfs':
      return {
        ...base, type: 'tmpfs', source: '', propagation: '',
        ...(spec.size !== undefined ? { size: spec.size } : {}),
        ...(spec.mode !== undefined ? { mode: spec.mode } : {}),
        ...(spec.options.length ? { options: [...spec.options] } : {}),
      }
  }
}
