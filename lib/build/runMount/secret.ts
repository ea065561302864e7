// RUN --mount=type=secret: the value of `--secret id=…` as a read-only file at `target`
// (default /run/secrets/<id>), mode 0400 and owner 0:0 unless told. It is written into the
// step's private temp dir (0700, under the store root) just before the container starts and
// removed with it; never into a layer (the target is a mount point: the container's init layer
// holds it), a cache key (only the mount's definition is keyed, as BuildKit does: a changed
// value does not re-run a cached step) or a history entry. A secret not given: an error when
// `required`, else no mount at all (BuildKit's SecretOptional).

import { chmod, chown, writeFile } from 'node:fs/promises'
import { Codes, StoreError } from '../../errors.js'
import type { RunMountSpec } from '../parser/index.js'
import type { MountSources, PlannedMount } from './types.js'

type SecretSpec = Extract<RunMountSpec, { type: 'secret' }>

export function planSecret(spec: SecretSpec & { target: string }, src: MountSources, name: string): PlannedMount {
  return {
    key: JSON.stringify(['secret', spec.id, spec.target, spec.required, spec.mode, spec.uid, spec.gid]),
    async prepare(dir) {
      const value = await src.secrets.get(spec.id)
      if (value === undefined) {
        if (spec.required) throw new StoreError(Codes.BUILD_FAILED, `secret ${spec.id}: not found`, { hint: `give it with store build --secret id=${spec.id},src=FILE (or env=VAR)` })
        return { mounts: [] }
      }
      const file = `${dir}/${name}`
      await writeFile(file, value, { mode: 0o600, flag: 'wx' })
      // Without root (the rootless launcher maps only our own id, as the container's 0) the
      // file is ours already; chown would fail.
      if (process.getuid?.() === 0) await chown(file, spec.uid, spec.gid)
      await chmod(file, spec.mode & 0o777)
      return { mounts: [{ type: 'bind', source: file, destination: spec.target, readonly: true, propagation: '' }] }
    },
  }
}
