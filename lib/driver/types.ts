// Storage drivers turn a chain of read-only layer snapshots into a container's root file
// system, and report what the container changed. Vocabulary (after containerd's snapshotter):
//   snapshot  - a layer extracted once, read-only, at snapshots/<chainID>/ (built by layer/)
//   lowers    - the snapshot dirs of an image, TOP-MOST FIRST (overlayfs lowerdir order)
//   container dir - containers/<id>/; the driver owns what it puts there (upper/ work/ merged/
//               for overlay, rootfs/ for copy)
// Lifecycle: create() once per container -> mountPlan() each start (executed by the launcher
// inside the container's private mount namespace, so a killed launcher leaves no mount behind)
// -> changes() any time the container is stopped -> remove().

export type DriverName = 'overlay' | 'copy' | 'fuse-overlayfs'

/** One mount the launcher performs, in order, inside the container's mount namespace. */
export interface MountStep {
  type: string // 'overlay' | 'fuse-overlayfs' | 'bind' | 'tmpfs' | 'proc' ...
  source: string
  target: string
  options: string[]
  /** Working directory for the mount command (overlay: relative lowerdirs when the list is long). */
  cwd?: string
}

export interface RootfsPlan {
  /** Path the container's root will be at once the steps ran. */
  rootfs: string
  steps: MountStep[]
}

export type { LayerChange } from '../layer/changes.js'
import type { LayerChange } from '../layer/changes.js'

export interface StorageDriver {
  readonly name: DriverName
  /** Make the container's dirs (and for copy: materialise the lowers). */
  create(containerDir: string, lowers: string[]): Promise<void>
  /** Mounts that give the container its root. */
  mountPlan(containerDir: string, lowers: string[]): RootfsPlan
  /** What the container changed, parents before children, sorted by path. */
  changes(containerDir: string, lowers: string[]): Promise<LayerChange[]>
  /** Bytes in the writable layer (for df and ps -s). */
  writableSize(containerDir: string): Promise<number>
  /** Run fn with the merged root mounted (read-only use: export); unmounts afterwards, always. */
  withMergedRoot<T>(containerDir: string, lowers: string[], fn: (root: string) => Promise<T>): Promise<T>
  /** Remove everything the driver put under containerDir. */
  remove(containerDir: string): Promise<void>
}

export interface DriverProbe {
  name: DriverName
  ok: boolean
  /** Why it works or not, for `store system info`. */
  reason: string
}
