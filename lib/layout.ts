// The on-disk layout, in one place. Nobody else joins paths into the store root.
// Pure: string manipulation only, so it runs anywhere; digests are validated before
// they ever become a path (see digest/parse).

import { hexOf, type Digest } from './digest/digest.js'

/** Version of the on-disk layout. A root with a newer VERSION is refused. */
export const LAYOUT_VERSION = 1

const join = (...parts: string[]): string => parts.join('/').replace(/\/+/g, '/')

/** Paths of one store root. `root` must be absolute. */
export function layout(root: string): Layout {
  const r = root.replace(/\/+$/, '') || '/'
  return {
    root: r,
    version: join(r, 'VERSION'),
    driverFile: join(r, 'driver.json'),
    blobsDir: join(r, 'blobs', 'sha256'),
    blob: (d: Digest) => {
      const h = hexOf(d)
      return join(r, 'blobs', 'sha256', h.slice(0, 2), h)
    },
    blobShard: (d: Digest) => join(r, 'blobs', 'sha256', hexOf(d).slice(0, 2)),
    packsDir: join(r, 'packs'),
    pack: (name: string) => join(r, 'packs', `${packName(name)}.pack`),
    packIndex: (name: string) => join(r, 'packs', `${packName(name)}.idx`),
    ingestDir: join(r, 'ingest'),
    layersDir: join(r, 'layers'),
    layer: (chainId: Digest) => join(r, 'layers', `${hexOf(chainId)}.json`),
    snapshotsDir: join(r, 'snapshots'),
    snapshot: (chainId: Digest) => join(r, 'snapshots', hexOf(chainId)),
    snapshotMap: (chainId: Digest) => snapshotMapOf(join(r, 'snapshots', hexOf(chainId))),
    poolDir: join(r, 'pool'),
    poolFile: (hex: string) => join(r, 'pool', hex.slice(0, 2), hex),
    poolVariant: (hex: string, key: string) => join(r, 'pool', hex.slice(0, 2), `${hex}.${key}`),
    poolAlias: (hex: string, window = 0) => join(r, 'pool', poolRedirect(hex, window)),
    settings: join(r, 'settings.json'),
    imagesDir: join(r, 'images'),
    repositories: join(r, 'images', 'repositories.json'),
    containersDir: join(r, 'containers'),
    container: (id: string) => join(r, 'containers', id),
    volumesDir: join(r, 'volumes'),
    network: join(r, 'network.json'),
    events: join(r, 'events.log'),
    networksDir: join(r, 'networks'),
    networkRecord: (id: string) => join(r, 'networks', `${id}.json`),
    volume: (name: string) => join(r, 'volumes', name),
    cacheDir: join(r, 'cache'),
    cacheIndex: join(r, 'cache', 'build-cache.json'),
    cacheMountsDir: join(r, 'cache', 'mounts'),
    cacheMount: (name: string) => join(r, 'cache', 'mounts', name),
    importTrees: join(r, 'cache', 'import-trees.json'),
    importStatsDir: join(r, 'cache', 'import-stats'),
    importStats: (hex: string) => join(r, 'cache', 'import-stats', hex),
    resemblanceDir: join(r, 'cache', 'resemblance'),
    seccompFilter: (key: string) => join(r, 'cache', 'seccomp', `${key}.bpf`),
    locksDir: join(r, 'locks'),
    lock: (name: string) => join(r, 'locks', `${name}.lock`),
    leasesDir: join(r, 'locks', 'leases'),
    pendingDir: join(r, 'pending'),
  }
}

/** Paths of one store root (see layout()). */
export interface Layout {
  root: string
  version: string
  /** Driver a store keeps once created. */
  driverFile: string
  blobsDir: string
  blob: (d: Digest) => string
  blobShard: (d: Digest) => string
  /**
   * Packs of small blobs (lib/cas/_packFormat.ts): `<name>.pack` and its index `<name>.idx`,
   * named by the hex SHA-256 of the index. A pack without its index is a leftover.
   */
  packsDir: string
  pack: (name: string) => string
  packIndex: (name: string) => string
  ingestDir: string
  layersDir: string
  layer: (chainId: Digest) => string
  snapshotsDir: string
  snapshot: (chainId: Digest) => string
  /** Which pool file each regular file of a snapshot uses, and its form (lib/snapshot/map.ts). */
  snapshotMap: (chainId: Digest) => string
  /**
   * The file pool: snapshot file content named by its SHA-256 (hex), written once, read-only,
   * shared by every snapshot of every image (lib/snapshot/). Also overlay's data-only lower.
   */
  poolDir: string
  poolFile: (hex: string) => string
  /** A pool file that also carries metadata (the hard-link form): `<hex>.<key>`. */
  poolVariant: (hex: string, key: string) => string
  /** The short second name a metadata-only stub redirects to (see poolRedirect). */
  poolAlias: (hex: string, window?: number) => string
  /** Store-wide settings kept across commands (the snapshot budget). */
  settings: string
  imagesDir: string
  repositories: string
  containersDir: string
  container: (id: string) => string
  volumesDir: string
  /** The bridge network's subnet, kept so a bridge made again takes the same range (lib/network/). */
  network: string
  /** What commands did, one JSON line each (`store events`; lib/events.ts). */
  events: string
  /** User-defined networks (`store network create`), one record each by ID. */
  networksDir: string
  networkRecord: (id: string) => string
  volume: (name: string) => string
  cacheDir: string
  cacheIndex: string
  /**
   * RUN --mount=type=cache dirs, by the SHA-256 (hex) of the cache id and its seed; `.N` for
   * the extra copies `sharing=private` makes. Build cache: never in a layer, gone with prune.
   */
  cacheMountsDir: string
  cacheMount: (name: string) => string
  /** Folder imports: per folder, the layer and stats file of its last import (lib/image/_treeMemo.ts). */
  importTrees: string
  /** Stats files of folder imports (lib/layer/_treeStats.ts), by the SHA-256 of their bytes. */
  importStatsDir: string
  importStats: (hex: string) => string
  /**
   * The resemblance index of stored chunks (lib/codec/delta/resemblanceIndex.ts): segments each
   * import adds, which the write path looks up for delta bases. A cache: gone, it costs
   * compression only.
   */
  resemblanceDir: string
  /** Compiled seccomp filters (classic BPF), by the SHA-256 of profile and arch. */
  seccompFilter: (key: string) => string
  locksDir: string
  lock: (name: string) => string
  /** Shared gc leases: one file per process adding content (lib/lock/lease.ts). */
  leasesDir: string
  /** Temp files outside the root being written (save -o, export -o), one note per writer. */
  pendingDir: string
}

/** The map file beside a snapshot dir (`snapshots/<hex>` -> `snapshots/<hex>.map`). */
export const snapshotMapOf = (snapshotDir: string): string => `${snapshotDir.replace(/\/+$/, '')}.map`

/** The pool of the store a snapshot dir belongs to (`<root>/snapshots/<hex>` -> `<root>/pool`). */
export const poolOfSnapshot = (snapshotDir: string): string => join(snapshotDir.replace(/\/+$/, '').replace(/\/[^/]+\/[^/]+$/, ''), 'pool')

/**
 * A metadata-only stub's redirect: a path in the pool, at most 24 bytes. ext4 (256-byte inodes)
 * keeps a stub's two overlay xattrs inside its inode only while the redirect's value is <= 24
 * bytes (measured: 25 bytes cost every stub a 4 KiB xattr block, more than most files it
 * stands for), so a stub names `/<2 hex>/<20 hex>`, a second name (hard link) of the pool file
 * `<2 hex>/<64 hex>`. Three windows of the digest give three candidate names: a name already
 * taken by other content (an 80-bit prefix collision, which only a crafted file makes) moves
 * to the next one.
 */
export const poolRedirect = (hex: string, window = 0): string => `/${hex.slice(0, 2)}/${hex.slice(2 + 20 * window, 22 + 20 * window)}`

const PACK_NAME = /^[0-9a-f]{64}$/

/** A pack's name (64 hex digits), checked before it becomes a path. */
export function packName(name: string): string {
  if (!PACK_NAME.test(name)) throw new RangeError(`invalid pack name: ${JSON.stringify(name)}`)
  return name
}
