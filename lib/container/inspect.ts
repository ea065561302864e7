// `store inspect CONTAINER`: Docker's container inspect shape (the parts we have).

import type { Store } from '../store.js'
import { containerLowers, findContainer } from './records.js'
import { currentState, stateName } from './state.js'
import { isFrozen } from './cgroup.js'
import { comparePortKeys, findNetwork, networkId, portKey } from '../network/index.js'
import type { ContainerRecord, ContainerState } from './types.js'
import { endpointsOf, networksOf } from './network.js'

export async function inspectContainer(store: Store, name: string) {
  let rec
  try {
    rec = await findContainer(store, name)
  } catch {
    return undefined
  }
  if (!rec) return undefined
  const s = await currentState(store, rec.id)
  const paused = s.status === 'running' && (await isFrozen(s.cgroups))
  const dir = store.layout.container(rec.id)
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: paused ? 'paused' : stateName(s),
      // Docker counts a restarting container as running (its daemon's checks treat it so).
      Running: s.status === 'running' || !!s.restarting,
      Paused: paused,
      Restarting: !!s.restarting,
      OOMKilled: !!s.oomKilled,
      Dead: false,
      Pid: s.status === 'running' ? s.launcherPid ?? s.pid : 0,
      ExitCode: s.exitCode,
      Error: s.error ?? '',
      StartedAt: s.startedAt || '0001-01-01T00:00:00Z',
      FinishedAt: s.finishedAt || '0001-01-01T00:00:00Z',
    },
    Image: rec.image,
    RestartCount: s.restartCount ?? 0,
    LogPath: `${dir}/container.log`,
    Name: `/${rec.name}`,
    Driver: rec.driver,
    HostConfig: {
      AutoRemove: rec.autoRemove,
      ReadonlyRootfs: rec.readOnly,
      NetworkMode: rec.network,
      PortBindings: portBindings(rec),
      PublishAllPorts: !!rec.publishAll,
      RestartPolicy: rec.restart ?? { Name: 'no', MaximumRetryCount: 0 },
      Memory: rec.limits?.memory ?? 0,
      MemorySwap: rec.limits?.memorySwap ?? 0,
      NanoCpus: rec.limits?.nanoCpus ?? 0,
      CpuShares: rec.limits?.cpuShares ?? 0,
      PidsLimit: rec.limits?.pidsLimit ?? null,
      Runtime: rec.launcher,
    },
    NetworkSettings: networkSettings(rec, s, Object.fromEntries(await Promise.all(networksOf(rec).map(async (n) => [n, n === 'bridge' ? networkId(store.layout, 'bridge') : ((await findNetwork(store.layout, n))?.Id ?? '')] as const)))),
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
      ...(exposedPorts(rec).length ? { ExposedPorts: Object.fromEntries(exposedPorts(rec).map((k) => [k, {}])) } : {}),
    },
  }
}

/** Config.ExposedPorts: the image's EXPOSE, --expose and every published port (as Docker). */
const exposedPorts = (rec: ContainerRecord): string[] => [...new Set([...(rec.exposed ?? []), ...(rec.ports ?? []).map(portKey)])].sort(comparePortKeys)

function portBindings(rec: ContainerRecord): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {}
  for (const b of rec.ports ?? []) (out[portKey(b)] ??= []).push({ HostIp: b.hostIp, HostPort: b.hostPort })
  return out
}

/** Docker's NetworkSettings: the addresses and ports while it runs, empty once it stopped; one entry per network. */
function networkSettings(rec: ContainerRecord, s: ContainerState, netIds: Record<string, string>) {
  const live = s.status === 'running' ? endpointsOf(s) : []
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {}
  if (s.status === 'running') {
    for (const k of exposedPorts(rec)) ports[k] = null
    for (const p of s.ports ?? []) (ports[portKey(p)] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) })
  }
  const endpoint = (name: string) => {
    const e = live.find((x) => x.network === name)
    return {
      IPAMConfig: null, Links: null, Aliases: null, NetworkID: netIds[name] ?? '', EndpointID: '',
      Gateway: e?.gateway ?? '', IPAddress: e?.ip ?? '', IPPrefixLen: e?.prefix ?? 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
      MacAddress: e?.mac ?? '', DriverOpts: null,
    }
  }
  const first = endpoint(rec.network)
  return {
    Bridge: '', HairpinMode: false, Ports: ports,
    Gateway: first.Gateway, IPAddress: first.IPAddress, IPPrefixLen: first.IPPrefixLen, MacAddress: first.MacAddress,
    Networks: Object.fromEntries(networksOf(rec).map((n) => [n, endpoint(n)])),
  }
}
