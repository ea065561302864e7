// Container records. containers/<id>/container.json is written once at create (and on rename);
// the mutable state lives apart in state.json, written by whoever supervises the process
// (`store run` in the foreground, or the per-container monitor of a detached one).

import type { Digest } from '../digest/digest.js'
import type { DriverName } from '../driver/types.js'
import type { LauncherName } from '../runtime/types.js'
import type { Endpoint, PortBinding, PublishedPort } from '../network/index.js'
import type { CgroupSet, Limits } from './cgroup.js'
import type { RestartPolicy } from './restart.js'

export type { ContainerMount } from '../mount/types.js'
import type { ContainerMount } from '../mount/types.js'

export interface ContainerRecord {
  id: string
  name: string
  /** Image ID. */
  image: Digest
  /** What the user typed. */
  imageRef: string
  created: string
  driver: DriverName
  launcher: LauncherName
  /** Layer chain of the image, base first (chainIDs). */
  layers: Digest[]
  path: string
  args: string[]
  env: string[]
  cwd: string
  user: string
  uid: number
  gid: number
  additionalGids: number[]
  hostname: string
  tty: boolean
  openStdin: boolean
  readOnly: boolean
  /** bridge: a network namespace on the root's bridge (Docker's default, root only); host; none. */
  network: NetworkMode
  /** Bridge networks joined after create (`network connect`): eth1, eth2… beside the first. */
  networks?: string[]
  /** `-p`: container ports published on the host (HostConfig.PortBindings). */
  ports?: PortBinding[]
  /** `-P`: every exposed port on a free host port. */
  publishAll?: boolean
  /** The image's EXPOSE and `--expose`, as `80/tcp` (Config.ExposedPorts). */
  exposed?: string[]
  /** `--add-host` as typed and checked: `name:ip` (ip may be `host-gateway`). */
  extraHosts?: string[]
  /** `--dns`, `--dns-search`, `--dns-option`. */
  dns?: { servers: string[]; search: string[]; options: string[] }
  /** `--restart` (absent: no). */
  restart?: RestartPolicy
  /** `--memory`, `--memory-swap`, `--cpus`, `--cpu-shares`, `--pids-limit` (HostConfig's). */
  limits?: Limits
  autoRemove: boolean
  mounts: ContainerMount[]
  labels: Record<string, string>
  stopSignal: string
  stopTimeout: number
  /** `--init`: docker-init is PID 1 and runs the command (absent in older records: false). */
  init?: boolean
  /** TERM=xterm was added to `env` for -t (Docker's daemon env): commit leaves it out. */
  termAdded?: boolean
  /** `--privileged`, `--cap-add`, `--cap-drop`, `--security-opt`, as typed. */
  privileged?: boolean
  capAdd?: string[]
  capDrop?: string[]
  securityOpt?: string[]
  /** The profile of `--security-opt seccomp=FILE`, read at create (as Docker keeps it). */
  seccompProfile?: string
}

/** bridge, host, none, or the name of a user network (`store network create`). */
export type NetworkMode = string

export type ContainerStatus = 'created' | 'running' | 'exited'

export interface ContainerState {
  status: ContainerStatus
  /** PID of the supervising launcher process (in the host PID namespace). */
  pid: number
  /** Start time of that pid (from /proc/<pid>/stat), so a reused pid is not mistaken for it. */
  pidStart?: string
  /** PID of the launcher process (unshare/runc), which forwards signals to the container. */
  launcherPid?: number
  exitCode: number
  startedAt: string
  finishedAt: string
  error?: string
  /** While it runs on the bridge: its address there. */
  network?: Endpoint
  /** While it runs: its places on the networks connected after its first (`network connect`). */
  extraEndpoints?: Endpoint[]
  /** While it runs: the host ports that forward to it. */
  ports?: PublishedPort[]
  /** While it runs (as root): its control groups (pause freezes them, stats reads them). */
  cgroups?: CgroupSet
  /** Restarts by its policy since it was last started by hand. */
  restartCount?: number
  /** The kernel's OOM killer ended it (its memory limit was reached). */
  oomKilled?: boolean
  /** Ended, and its restart policy starts it again after the back-off: Docker's `restarting` (its supervisor, `pid`, waits). */
  restarting?: boolean
}

export interface ContainerUsage {
  id: string
  image: string
  command: string
  localVolumes: number
  size: number
  created: string
  status: string
  names: string
  /** For `-v --format json`, as Docker's: running, exited, created… */
  state: string
  labels: Record<string, string>
  /** Volume names and bind sources. */
  mounts: string[]
  network: string
}
