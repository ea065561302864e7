// A container record as an OCI runtime config.json (the one description every launcher reads).

import { readFileSync } from 'node:fs'
import type { ContainerRecord } from './types.js'
import type { OciSpec } from '../runtime/types.js'
import type { VolumeSource } from '../mount/types.js'
import { launcherBinary } from '../_paths.js'
import { containerSecurity } from './security.js'

/** Where `--init` puts docker-init, as Docker does. */
export const INIT_PATH = '/sbin/docker-init'

export function ociSpec(rec: ContainerRecord, rootfs: string, volumeSource: (name: string) => VolumeSource): OciSpec {
  const namespaces: OciSpec['linux']['namespaces'] = [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }]
  if (rec.network === 'none') namespaces.push({ type: 'network' })
  const mounts: OciSpec['mounts'] = rec.mounts.map((m) => {
    const opts: string[] = [m.readonly ? 'ro' : 'rw']
    if (m.type === 'overlay') return { destination: m.destination, type: 'overlay', source: 'overlay', options: ['ro', ...(m.options ?? [])] }
    if (m.type === 'tmpfs') {
      if (m.size !== undefined) opts.push(`size=${m.size}`)
      if (m.mode !== undefined) opts.push(`mode=${m.mode.toString(8)}`)
      opts.push('nosuid', 'nodev', ...(m.options ?? []))
      return { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: opts }
    }
    let source = m.source
    if (m.type === 'volume') {
      const v = volumeSource(m.name ?? m.source)
      if ('type' in v && !v.options.includes('bind') && !v.options.includes('rbind')) {
        // Mounted in the container's own namespace, at each start (a tmpfs lives as long as it).
        return { destination: m.destination, type: v.type, source: v.device, options: [...opts, ...v.options] }
      }
      const dir = 'type' in v ? v.device : v.dir
      source = `${dir}${m.subpath ? `/${m.subpath}` : ''}`
    }
    opts.unshift('rbind')
    opts.push(m.propagation || 'rprivate') // Docker's default for binds and volumes
    return { destination: m.destination, type: 'bind', source, options: opts }
  })
  // --init: Docker's docker-init, bind-mounted read-only (a write through /proc/1/exe must not
  // reach the host's binary) and run as PID 1 with the command after `--`.
  if (rec.init) mounts.push({ destination: INIT_PATH, type: 'bind', source: launcherBinary(), options: ['rbind', 'ro', 'rprivate'] })
  const sec = containerSecurity(rec)
  // --privileged: a writable /sys, as Docker gives it (the default one is read-only).
  if (rec.privileged && !mounts.some((m) => m.destination.replace(/\/+$/, '') === '/sys')) {
    mounts.push({ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev'] })
  }
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: rec.tty,
      user: { uid: rec.uid, gid: rec.gid, additionalGids: rec.additionalGids },
      args: rec.init ? [INIT_PATH, '--', rec.path, ...rec.args] : [rec.path, ...rec.args],
      env: rec.env,
      cwd: rec.cwd,
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofile(), soft: nofile() }],
      noNewPrivileges: sec.noNewPrivileges,
      capabilities: sec.capabilities,
    },
    root: { path: rootfs, readonly: rec.readOnly },
    hostname: rec.hostname,
    mounts,
    linux: { namespaces, maskedPaths: sec.maskedPaths, readonlyPaths: sec.readonlyPaths, ...(sec.seccomp ? { seccomp: sec.seccomp } : {}) },
  }
}

/** Docker gives containers 1048576 open files; never more than the host's own hard limit. */
function nofile(): number {
  try {
    const m = /^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    if (m) return Math.min(1048576, Number(m[1]))
  } catch {
    // no /proc: keep Docker's value
  }
  return 1048576
}
