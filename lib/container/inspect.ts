// `store inspect CONTAINER`: Docker's container inspect shape (the parts we have).

import type { Store } from '../store.js'
import { containerLowers, findContainer } from './records.js'
import { currentState } from './state.js'

export async function inspectContainer(store: Store, name: string) {
  let rec
  try {
    rec = await findContainer(store, name)
  } catch {
    return undefined
  }
  if (!rec) return undefined
  const s = await currentState(store, rec.id)
  const dir = store.layout.container(rec.id)
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: s.status,
      Running: s.status === 'running',
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: s.status === 'running' ? s.launcherPid ?? s.pid : 0,
      ExitCode: s.exitCode,
      Error: s.error ?? '',
      StartedAt: s.startedAt || '0001-01-01T00:00:00Z',
      FinishedAt: s.finishedAt || '0001-01-01T00:00:00Z',
    },
    Image: rec.image,
    LogPath: `${dir}/container.log`,
    Name: `/${rec.name}`,
    Driver: rec.driver,
    HostConfig: {
      AutoRemove: rec.autoRemove,
      ReadonlyRootfs: rec.readOnly,
      NetworkMode: rec.network,
      Runtime: rec.launcher,
    },
    GraphDriver: {
      Name: rec.driver,
      Data: rec.driver === 'copy' ? { RootDir: `${dir}/rootfs` } : { UpperDir: `${dir}/upper`, WorkDir: `${dir}/work`, MergedDir: `${dir}/merged`, LowerDir: containerLowers(store, rec).join(':') },
    },
    Mounts: rec.mounts.map((m) => ({
      Type: m.type,
      ...(m.type === 'volume' ? { Name: m.name ?? m.source, Source: `${store.layout.volume(m.name ?? m.source)}/_data`, Driver: 'local' } : { Source: m.source }),
      Destination: m.destination,
      Mode: m.type === 'bind' ? (m.readonly ? 'ro' : '') : m.type === 'volume' ? (m.readonly ? 'ro' : 'z') : '',
      RW: !m.readonly,
      Propagation: m.type === 'bind' ? m.propagation || 'rprivate' : '',
    })),
    Config: {
      Hostname: rec.hostname,
      User: rec.user,
      Tty: rec.tty,
      OpenStdin: rec.openStdin,
      Env: rec.env,
      Cmd: rec.args.length || rec.path ? [rec.path, ...rec.args] : null,
      Image: rec.imageRef,
      WorkingDir: rec.cwd,
      Labels: rec.labels,
      StopSignal: rec.stopSignal,
    },
  }
}
