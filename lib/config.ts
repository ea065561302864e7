// Configuration, resolved once at the edge: the CLI reads it from the environment here
// (configFromEnv), a program passes it as options to openStore. Nothing below reads the
// environment: this is the one module that touches `process.env`, for that and for the host
// environment that child processes (tools, the launcher, the monitor) inherit.

import type { HashBackendName } from './digest/types.js'
import type { ChunkerImplName } from './chunk/types.js'
import type { CodecBackendName, Encoding } from './codec/types.js'

/** What a store is opened with besides its root. Every field is optional; the defaults are the fast ones. */
export interface StoreConfig {
  /** Storage driver, forced (`--storage-driver`, STORE_DRIVER); else the store's own, else probed. */
  driver?: string
  /** How new snapshots share file content, forced: data-only, reflink, hardlink or copy (STORE_SNAPSHOT_SHARING). */
  sharing?: string
  /** The snapshot budget in bytes, kept from now on (null: remove it). */
  snapshotBudget?: number | null
  /** SHA-256 backend (STORE_HASH): native (node:crypto, the default where it exists) or wasm. */
  hash?: HashBackendName
  /** Chunker (STORE_CHUNKER): wasm (the default) or ts, the reference; both cut at the same points. */
  chunker?: ChunkerImplName
  /** Codec backend (STORE_CODEC): zlib (node:zlib, the default where it exists) or fflate. */
  codec?: CodecBackendName
  /** What new blobs are written in (STORE_COMPRESSION); default the best the codec has (zstd). */
  compression?: Encoding
  /** Store chunks as deltas against resembling ones (STORE_DELTA=0 turns it off). Default true. */
  deltas?: boolean
  /**
   * Reuse a folder's last import when its stat fingerprint is unchanged (STORE_IMPORT_MEMO=0
   * turns it off: every file is read again, and checked against its chunks of the last import
   * where it had some, as a file whose fingerprint changed is). Default true.
   */
  importMemo?: boolean
  /**
   * Registries spoken to over plain HTTP (host[:port]; STORE_INSECURE_REGISTRIES, comma-separated),
   * as Docker's --insecure-registry. Loopback registries always are, as in Docker.
   */
  insecureRegistries?: string[]
  /**
   * Where registry credentials are kept, in Docker's config.json format (`auths`): default
   * $DOCKER_CONFIG/config.json, else ~/.docker/config.json, as Docker's client keeps them.
   */
  credentialsFile?: string
  /**
   * Where a registry's private CA certificates are looked for, as Docker's daemon looks:
   * `<dir>/<host[:port]>/*.crt`. Default $XDG_CONFIG_HOME/docker/certs.d (rootless Docker's;
   * ~/.config when unset), then /etc/docker/certs.d.
   */
  certsDirs?: string[]
}

/** The environment of this process: what child processes inherit and PATH lookups search. */
export function hostEnv(): Record<string, string | undefined> {
  return process.env
}

/** The root of the CLI's store (and of openStore without one): $STORE_ROOT, else /var/lib/store as root, else under $XDG_DATA_HOME. */
export function defaultRoot(env: Record<string, string | undefined> = hostEnv()): string {
  if (env.STORE_ROOT) return env.STORE_ROOT
  if (process.getuid?.() === 0) return '/var/lib/store'
  const data = env.XDG_DATA_HOME || `${env.HOME ?? '/tmp'}/.local/share`
  return `${data}/store`
}

/**
 * The configuration the environment asks for (the CLI's STORE_* variables; an empty one counts
 * as unset). Values are checked where they are used, with the variable named in the hint.
 */
export function configFromEnv(env: Record<string, string | undefined> = hostEnv()): StoreConfig {
  const v = (name: string): string | undefined => env[name] || undefined
  return {
    driver: v('STORE_DRIVER'),
    sharing: v('STORE_SNAPSHOT_SHARING'),
    hash: v('STORE_HASH') as HashBackendName | undefined,
    chunker: v('STORE_CHUNKER') as ChunkerImplName | undefined,
    codec: v('STORE_CODEC') as CodecBackendName | undefined,
    compression: v('STORE_COMPRESSION') as Encoding | undefined,
    deltas: env.STORE_DELTA !== '0',
    importMemo: env.STORE_IMPORT_MEMO !== '0',
    insecureRegistries: v('STORE_INSECURE_REGISTRIES')?.split(',').map((h) => h.trim()).filter(Boolean),
    credentialsFile: dockerConfigFile(env),
    certsDirs: dockerCertsDirs(env),
  }
}

/** Docker's folders of per-registry CA certificates: the user's (rootless Docker's), then the system's. */
export function dockerCertsDirs(env: Record<string, string | undefined> = hostEnv()): string[] {
  const config = env.XDG_CONFIG_HOME || (env.HOME ? `${env.HOME}/.config` : undefined)
  return [...(config ? [`${config}/docker/certs.d`] : []), '/etc/docker/certs.d']
}

/** Docker's client config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigFile(env: Record<string, string | undefined> = hostEnv()): string | undefined {
  if (env.DOCKER_CONFIG) return `${env.DOCKER_CONFIG}/config.json`
  return env.HOME ? `${env.HOME}/.docker/config.json` : undefined
}
