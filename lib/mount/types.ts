// Mounts and volumes. A MountSpec is what one `--mount`, `-v/--volume` or `--tmpfs` flag asks
// for, already checked the way Docker checks it (docker/cli opts/mount.go, then moby's
// linux_parser.go); only the bind-source-exists check is left out, because it needs the file
// system (see validateMountSources). Vocabulary:
//   target  - absolute path inside the container, cleaned (no `.`, `..`, `//`)
//   source  - bind: absolute host path, cleaned; volume: the volume's name, or undefined for an
//             anonymous volume (the caller gives it a random 64-hex name); tmpfs: none
//   origin  - which flag the spec came from: error wording and defaults differ by flag
//             (`-v` creates a missing host dir, `--mount` refuses it)

import type { Leftover, LeftoverStats } from '../_leftovers.js'

export type MountKind = 'bind' | 'volume' | 'tmpfs'
export type MountOrigin = 'mount' | 'volume' | 'tmpfs'
export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave'
/**
 * bind-recursive: `enabled` (default) mounts submounts too; `disabled` is a non-recursive bind;
 * `writable` keeps submounts writable under a readonly bind; `readonly` forces them read-only.
 */
export type BindRecursive = 'enabled' | 'disabled' | 'writable' | 'readonly'

interface MountBase {
  target: string
  readonly: boolean
  origin: MountOrigin
}

export interface BindMountSpec extends MountBase {
  kind: 'bind'
  source: string
  /** Unset means the runtime default, rprivate. */
  propagation?: Propagation
  bindRecursive: BindRecursive
  /** Create a missing host path (always for `-v`; `bind-create-src` for `--mount`). */
  bindCreateSrc: boolean
}

export interface VolumeMountSpec extends MountBase {
  kind: 'volume'
  /** Volume name; undefined for an anonymous volume. */
  source?: string
  /** Do not copy the image's content into an empty volume. */
  nocopy: boolean
  /** Mount only this relative path of the volume. */
  subpath?: string
  /** Labels and driver options for the volume if this mount creates it. */
  labels: Record<string, string>
  driver?: string
  driverOpts: Record<string, string>
}

export interface TmpfsMountSpec extends MountBase {
  kind: 'tmpfs'
  /** Size limit in bytes. */
  size?: number
  /** Permission bits of the tmpfs root (e.g. 0o1777). */
  mode?: number
  /** Further mount(8) options from `--tmpfs DIR:OPTS` (noexec, nosuid, uid=…), in order. */
  options: string[]
}

export type MountSpec = BindMountSpec | VolumeMountSpec | TmpfsMountSpec

/** What `store volume inspect` prints (Docker's field names and order). */
export interface VolumeInfo {
  CreatedAt: string
  Driver: 'local'
  Labels: Record<string, string>
  Mountpoint: string
  Name: string
  Options: Record<string, string>
  Scope: 'local'
}

export interface CreateVolumeOptions {
  labels?: Record<string, string>
  /** Options of the local driver: type, device, o, size (Docker's set). */
  opts?: Record<string, string>
  /** Only `local` exists; anything else fails as Docker does without the plugin. */
  driver?: string
  /** Mark as anonymous (label com.docker.volume.anonymous), so `volume prune` takes it. */
  anonymous?: boolean
}

/**
 * Named volumes at volumes/<name>/_data with their metadata in volumes/<name>/opts.json.
 * A volume appears by rename of a complete temp dir and disappears by rename before deletion,
 * so a reader never sees half a volume. Names are checked before they become paths.
 */
export interface VolumeStore {
  /** Creates it; an existing volume is returned as is (Docker: creating one again is a no-op). */
  create(name?: string, opts?: CreateVolumeOptions): Promise<VolumeInfo>
  get(name: string): Promise<VolumeInfo | undefined>
  /** Like get, but VOLUME_NOT_FOUND when missing. */
  inspect(name: string): Promise<VolumeInfo>
  /** Every volume, sorted by name. */
  list(): Promise<VolumeInfo[]>
  /** VOLUME_IN_USE when inUseBy (container IDs) is not empty; VOLUME_NOT_FOUND when missing. */
  remove(name: string, inUseBy: string[]): Promise<void>
  /** Removes unused volumes (anonymous ones only unless `all`); names removed and bytes freed. */
  prune(inUse: (name: string) => boolean, opts?: { all?: boolean }): Promise<{ names: string[]; reclaimed: number }>
  /** Bytes in _data (each hard-linked file once). */
  size(name: string): Promise<number>
  isEmpty(name: string): Promise<boolean>
  /** Host path of the volume's data: volumes/<name>/_data. */
  dataDir(name: string): string
  /** Temp and trash dirs that killed creates and removes left (their process is gone). */
  leftovers(): Promise<Leftover[]>
  /** Removes those leftovers (create, remove and prune do it first). */
  sweep(): Promise<LeftoverStats>
}

/** Label Docker puts on anonymous volumes (API ≥ 1.42 prunes only these by default). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous'

/**
 * How a container mounts a volume: a bind of its data dir, or (a local volume made with
 * `--opt type=… --opt device=… --opt o=…`, as Docker's local driver takes them) that file system.
 */
export type VolumeSource = { dir: string } | { type: string; device: string; options: string[] }

/** A mount as a container's record keeps it (OCI's shape plus what rm and df need). */
export interface ContainerMount {
  /** overlay: read-only, of a data-only snapshot's dir over its pool (`options`: its lowerdir); a build's RUN --mount from a stage. */
  type: 'bind' | 'volume' | 'tmpfs' | 'overlay'
  /** Host path (bind), volume name, or '' (tmpfs). */
  source: string
  destination: string
  readonly: boolean
  propagation: string
  /** Volume name for type volume. */
  name?: string
  /** tmpfs size (bytes) and mode. */
  size?: number
  mode?: number
  /** Anonymous volume: removed with the container by rm -v / run --rm. */
  anonymous?: boolean
  subpath?: string
  nocopy?: boolean
  options?: string[]
}

/** A volume's row in `system df` (Docker's Local Volumes). */
export interface VolumeUsage {
  name: string
  links: number
  size: number
  mountpoint: string
  labels: Record<string, string>
}
