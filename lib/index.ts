// The public API (`@store-oci/store`): what a program needs to open a store and import, load,
// save, build, run, inspect, measure, check and prune, plus the pure tier (./formats.ts). The
// CLI is this API with flags and printing around it: each function here does what its command
// does (the same events, the same locks, Docker's messages in its errors), and nothing prints.
//
// Every function takes the `Store` that `openStore` gave. The implementations load on first
// use (dynamic imports): a program that only lists images never loads the builder, and the
// CLI, which reaches everything through here, keeps its start-up.

import { resolve } from 'node:path'
import type { Store, StoreOptions } from './store.js'
import type { Digest } from './digest/index.js'
import type { ImageRow } from './image/list.js'
import type { RmiResult } from './image/remove.js'
import type { BuildOptions, BuildResult } from './build/executor.js'
import type { SystemDf } from './system/df.js'
import type { PruneResult } from './system/prune.js'
import type { FsckReport } from './fsck.js'
import type { ContainerRecord } from './container/types.js'
import type { CreateOptions } from './container/create.js'
import type { OnProgress } from './progress.js'
import type { VolumeInfo } from './mount/types.js'
import type { HistoryRow } from './image/history.js'
import type { Limits } from './container/cgroup.js'
import type { PsRow } from './container/list.js'
import type { StoreEvent } from './events.js'
import type { NetworkRecord } from './network/index.js'
import type { NetworkRow } from './container/networks.js'
import type { DfRow, ImageUsage } from './system/df.js'
import type { StatsRow } from './container/stats.js'
import type { LogChunk } from './container/logs.js'
import type { PullResult } from './registry/pull.js'
import type { PushResult } from './registry/push.js'
import type { ProgressMode, ProgressView } from './build/progress.js'
import { defaultRoot } from './config.js'

export * from './formats.js'
export { VERSION } from './version.js'
export { configFromEnv, defaultRoot, type StoreConfig } from './config.js'
export type { Progress, OnProgress } from './progress.js'
export type { VolumeInfo, NetworkRecord, NetworkRow, HistoryRow, Limits, PsRow, StoreEvent }
export { eventLine } from './events.js'
export { displayPorts } from './network/ports.js'
export type { LogChunk, PullResult, PushResult }
export type { Store, StoreOptions, ImageRow, RmiResult, BuildResult, SystemDf, DfRow, ImageUsage, PruneResult, FsckReport, ContainerRecord, StatsRow, ProgressView, ProgressMode }

/**
 * Options of {@link openStore}: those of `StoreOptions`, the root optional; the snapshot budget
 * also as `--snapshot-budget` takes it (`2g`, `500MB`, `none`).
 */
export type OpenOptions = Partial<Omit<StoreOptions, 'snapshotBudget'>> & { snapshotBudget?: number | null | string }

/** A container as the functions below take it: its name, ID or ID prefix, or its record. */
export type ContainerRef = string | ContainerRecord

/**
 * Open the store at `root` (made on first use), or at the default root: `$STORE_ROOT`, else
 * /var/lib/store as root, else `$XDG_DATA_HOME/store`. Safe beside other processes using it.
 * The other options (backends, driver, deltas…) come from `options` only, never from the
 * environment (`configFromEnv()` reads the CLI's STORE_* variables, for a program that wants them).
 */
export async function openStore(options: OpenOptions = {}): Promise<Store> {
  const s = await import('./store.js')
  const budget = options.snapshotBudget
  const snapshotBudget = typeof budget === 'string' ? (await import('./snapshot/budget.js')).parseBudget(budget) : budget
  return s.openStore({ ...options, root: resolve(options.root ?? defaultRoot()), snapshotBudget })
}

/** The record of container `name` (its name, ID or an ID prefix); Docker's `No such container: …` when there is none. */
export async function getContainer(store: Store, name: string): Promise<ContainerRecord> {
  return (await import('./container/index.js')).requireContainer(store, name)
}

async function containerOf(store: Store, ref: ContainerRef): Promise<ContainerRecord> {
  return typeof ref === 'string' ? getContainer(store, ref) : ref
}

/** What {@link importImage} was given besides its source: `store import`'s NAME, -c, -m. */
export interface ImportImageOptions {
  /** NAME[:TAG] for the new image. */
  tag?: string
  /** Dockerfile instructions applied to its config (`-c 'CMD ["sh"]'`). */
  changes?: string[]
  message?: string
  /** Told the bytes read so far (see `Progress`). */
  onProgress?: OnProgress
}

/**
 * Import a root file system as a one-layer image: a folder, a tar file (gzip, zstd or none),
 * or the bytes of a tar. Returns the image ID.
 */
export async function importImage(store: Store, source: string | AsyncIterable<Uint8Array>, options: ImportImageOptions = {}): Promise<{ id: Digest }> {
  const { importImage } = await import('./image/import.js')
  const stdin = typeof source === 'string' ? undefined : source
  const r = await importImage(store, { source: stdin ? '-' : (source as string), stdin, tag: options.tag, changes: options.changes, message: options.message, onProgress: options.onProgress })
  // Docker's events: the tag, then the import (named by its ID).
  const { emit } = await import('./events.js')
  if (options.tag) await emit(store.layout, 'image', 'tag', r.id, { name: (await import('./reference.js')).parseTag(options.tag) })
  await emit(store.layout, 'image', 'import', r.id, { name: r.id })
  return { id: r.id }
}

/**
 * Load the images of a `docker save` archive or an OCI layout (a tar file's path, its bytes, or
 * an OCI layout folder's path); of a multi-platform index, the host platform's image.
 * Every digest is verified. Returns each image's ID and the tags it got.
 */
export async function loadImages(store: Store, source: string | AsyncIterable<Uint8Array>, options: { onProgress?: OnProgress } = {}): Promise<{ id: Digest; tags: string[] }[]> {
  const { loadImages } = await import('./image/load.js')
  const { counted } = await import('./progress.js')
  const { emit } = await import('./events.js')
  let loaded: { id: Digest; tags: string[] }[]
  if (typeof source !== 'string') loaded = await loadImages(store, counted(source, options.onProgress, 'Loading'))
  else if (await isFolder(source)) {
    // An OCI layout folder (skopeo's oci:DIR, `docker save` unpacked): read as the tar of it
    // would be, its links kept as links (resolved inside it by the loader, never followed out).
    const { dirTar } = await import('./layer/index.js')
    const { Codes, StoreError } = await import('./errors.js')
    const { access } = await import('node:fs/promises')
    const has = (name: string) => access(`${source}/${name}`).then(() => true, () => false)
    if (!(await has('index.json')) && !(await has('manifest.json'))) {
      throw new StoreError(Codes.ARCHIVE_INVALID, `${source} is a folder without an OCI layout (no index.json) or a docker save manifest.json`)
    }
    loaded = await loadImages(store, counted(dirTar(source), options.onProgress, 'Loading'))
  } else {
    const fh = await openArchive(source)
    try {
      const size = (await fh.stat()).size
      loaded = await loadImages(store, counted(fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Uint8Array>, options.onProgress, 'Loading', size))
    } finally {
      await fh.close()
    }
  }
  for (const l of loaded) await emit(store.layout, 'image', 'load', l.id, { name: l.id })
  return loaded
}

/** The file to read, or Docker's message for one that cannot be opened. */
async function openArchive(path: string) {
  const { open } = await import('node:fs/promises')
  const { Codes, StoreError } = await import('./errors.js')
  let fh
  try {
    fh = await open(path, 'r')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message
    throw new StoreError(Codes.INVALID_ARGUMENT, `open ${path}: ${why}`)
  }
  return fh
}

async function isFolder(path: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises')
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}

/**
 * A `docker save` archive of the images named (names or IDs), as a stream of tar bytes. An
 * image named by a tag keeps that tag in the archive; one named by ID keeps none (as Docker).
 */
export async function saveImages(store: Store, names: string[], options: SaveOptions = {}): Promise<AsyncIterable<Uint8Array>> {
  const { saveImages } = await import('./image/save.js')
  const { counted } = await import('./progress.js')
  const items = await saveItems(store, names)
  return saved(store, items.map((i) => i.id), counted(saveImages(store, items, options.format), options.onProgress, 'Saving'))
}

/** {@link saveImages}' options: a progress callback, and the archive's flavour. */
export interface SaveOptions {
  onProgress?: OnProgress
  /** `docker` (default): the OCI layout with Docker's manifest.json and repositories, as Docker 25+ writes; `oci`: the OCI layout alone. */
  format?: 'docker' | 'oci'
}

/** The images `names` name, each once, with the tags to record. */
async function saveItems(store: Store, names: string[]): Promise<{ id: Digest; tags: string[] }[]> {
  const { parseReference, tagged } = await import('./reference.js')
  const items: { id: Digest; tags: string[] }[] = []
  for (const name of names) {
    const id = await store.images.require(name)
    let tags: string[] = []
    try {
      const r = parseReference(name)
      if (!r.digest && (await store.images.tagsOf(id)).includes(tagged(r))) tags = [tagged(r)]
    } catch {
      // named by ID: no tags
    }
    const same = items.find((i) => i.id === id)
    if (same) same.tags.push(...tags)
    else items.push({ id, tags })
  }
  return items
}

/** The archive's bytes, then Docker's `save` event for each image in it (once all went out). */
async function* saved(store: Store, ids: Digest[], bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* bytes
  const { emit } = await import('./events.js')
  for (const id of ids) await emit(store.layout, 'image', 'save', id, { name: id })
}

/** {@link saveImages} into a file, written beside it and renamed when complete (never half an archive). */
export async function saveImagesToFile(store: Store, names: string[], path: string, options: SaveOptions = {}): Promise<void> {
  const { writeOutputFile } = await import('./_outputFile.js')
  await writeOutputFile(store.layout, path, await saveImages(store, names, options))
}

/** `store save -o DIR/`: the images as an OCI image layout folder (skopeo's `oci:DIR`, umoci's), made whole before it gets its name. */
export async function saveImagesToFolder(store: Store, names: string[], path: string, options: SaveOptions = {}): Promise<void> {
  const { saveEntries } = await import('./image/save.js')
  const { writeOutputFolder } = await import('./_outputFile.js')
  const { emit } = await import('./events.js')
  const items = await saveItems(store, names)
  const total = { n: 0 }
  const counting = async function* () {
    for await (const e of saveEntries(store, items, options.format)) {
      total.n += e.header.type === 'file' ? e.header.size : 0
      options.onProgress?.({ label: 'Saving', done: total.n, unit: 'bytes' })
      yield e
    }
  }
  await writeOutputFolder(store.layout, path, counting())
  for (const i of items) await emit(store.layout, 'image', 'save', i.id, { name: i.id })
}

/** What {@link buildImage} builds: `store build`'s arguments (the builder's own options, where the Dockerfile comes from, and a progress view). */
export interface BuildImageOptions extends Pick<BuildOptions, 'tags' | 'buildArgs' | 'target' | 'noCache' | 'labels' | 'sourceDateEpoch' | 'signal' | 'launcher' | 'network'> {
  /**
   * The context folder, as `store build`'s positional: a folder; a file, which is then the
   * Dockerfile and its folder the context; or `-`, a Dockerfile on `stdin` and no context.
   * Default: the Dockerfile's folder.
   */
  context?: string
  /** The Dockerfile's path (default: `Dockerfile` in the context; `-`: read from `stdin`). */
  file?: string
  /** The Dockerfile's text, instead of a file. */
  dockerfile?: string
  /** Where `-` reads from. */
  stdin?: AsyncIterable<Uint8Array>
  /** `--secret` specs (`id=npmrc,src=/path`, `id=token,env=VAR`) for RUN --mount=type=secret. */
  secrets?: string[]
  /** Where `env=` secrets are read (default: this process's environment). */
  secretEnv?: Record<string, string | undefined>
  /** The plain progress log (BuildKit's `--progress plain`) goes here, a line at a time. */
  onProgress?: (line: string) => void
  /** A progress view of {@link buildProgressView} instead (the CLI's live view on a terminal). */
  view?: ProgressView
}

/** Build an image from a Dockerfile, with the layer cache every build of this store shares. */
export async function buildImage(store: Store, options: BuildImageOptions): Promise<BuildResult> {
  const { build } = await import('./build/executor.js')
  const { Codes, StoreError } = await import('./errors.js')
  let secrets
  if (options.secrets?.length) {
    const { openSecrets, parseSecretFlag } = await import('./build/runMount/index.js')
    const { hostEnv } = await import('./config.js')
    secrets = await openSecrets(options.secrets.map(parseSecretFlag), options.secretEnv ?? hostEnv())
  }
  let input: { context?: string; dockerfile: string }
  if (options.dockerfile !== undefined) {
    input = { context: options.context === undefined ? undefined : resolve(options.context), dockerfile: options.dockerfile }
  } else {
    const { resolveBuildInput } = await import('./build/input.js')
    if (options.context === undefined && options.file === undefined) throw new StoreError(Codes.INVALID_ARGUMENT, 'buildImage needs a context, a file or a dockerfile')
    input = await resolveBuildInput(options.context ?? options.file, options.context === undefined ? undefined : options.file, options.stdin ?? emptyInput())
  }
  const progress = options.view ?? (options.onProgress ? (await import('./build/progress.js')).plainView(options.onProgress) : undefined)
  const r = await build(store, {
    context: input.context, dockerfile: input.dockerfile, tags: options.tags, buildArgs: options.buildArgs, target: options.target,
    noCache: options.noCache, labels: options.labels, sourceDateEpoch: options.sourceDateEpoch, progress, signal: options.signal, launcher: options.launcher, network: options.network, secrets,
  })
  const { emit } = await import('./events.js')
  for (const t of r.tags) await emit(store.layout, 'image', 'tag', r.id, { name: t })
  return r
}

/** The build's progress on `out` as `store build` shows it: `auto` (live on a terminal, else plain), `plain` or `tty`; `color` for the live view. */
export async function buildProgressView(mode: ProgressMode, out: NodeJS.WriteStream, color = true): Promise<ProgressView> {
  return (await import('./build/progress.js')).progressView(mode, out, color)
}

async function* emptyInput(): AsyncGenerator<Uint8Array> {}

/** `store images`: one row per tag (an untagged image once), newest first; `filters` as `--filter`. */
export async function listImages(store: Store, options: { repository?: string; filters?: string[] } = {}): Promise<ImageRow[]> {
  const { listImages, imageFilters } = await import('./image/list.js')
  return listImages(store, { filter: options.repository, filters: imageFilters(options.filters) })
}

/**
 * `store pull NAME[:TAG|@DIGEST]`: the image from its registry (plain HTTP for loopback and
 * `insecureRegistries`, credentials from `credentialsFile` as Docker's client keeps them; both
 * from the store's options). `onStatus` gets Docker's status lines. Returns the image ID, the
 * manifest digest (recorded as a RepoDigest) and the reference it is known by now.
 */
export async function pullImage(store: Store, reference: string, options: { platform?: string; onStatus?: (line: string, id?: string) => void; onProgress?: OnProgress } = {}): Promise<PullResult> {
  const { pullImage } = await import('./registry/pull.js')
  const r = await pullImage(store, reference, { ...(await registryOptions(store)), ...options })
  const { emit } = await import('./events.js')
  await emit(store.layout, 'image', 'pull', r.reference, { name: r.reference })
  return r
}

/** `store pull -a NAME`: every tag the registry lists for the repository (Docker's `--all-tags`), each as {@link pullImage} takes one. */
export async function pullAllTags(store: Store, repository: string, options: { platform?: string; onStatus?: (line: string, id?: string) => void; onProgress?: OnProgress } = {}): Promise<{ reference: string; images: PullResult[] }> {
  const { pullAllTags } = await import('./registry/pull.js')
  const r = await pullAllTags(store, repository, { ...(await registryOptions(store)), ...options })
  const { emit } = await import('./events.js')
  for (const i of r.images) await emit(store.layout, 'image', 'pull', i.reference, { name: i.reference })
  return r
}

/** `store push -a NAME`: every tag of the repository the store has (Docker's `--all-tags`), each as {@link pushImage} sends one. */
export async function pushAllTags(store: Store, repository: string, options: { onStatus?: (line: string, id?: string) => void; onProgress?: OnProgress } = {}): Promise<PushResult[]> {
  const { pushAllTags } = await import('./registry/push.js')
  const r = await pushAllTags(store, repository, { ...(await registryOptions(store)), ...options })
  const { emit } = await import('./events.js')
  for (const p of r) await emit(store.layout, 'image', 'push', p.reference, { name: p.reference })
  return r
}

/** `store push NAME[:TAG]`: the image under that name to its registry, as gzip layers and a Docker v2 manifest. Returns the manifest's digest and size. */
export async function pushImage(store: Store, reference: string, options: { onStatus?: (line: string, id?: string) => void; onProgress?: OnProgress } = {}): Promise<PushResult> {
  const { pushImage } = await import('./registry/push.js')
  const r = await pushImage(store, reference, { ...(await registryOptions(store)), ...options })
  const { emit } = await import('./events.js')
  await emit(store.layout, 'image', 'push', r.reference, { name: r.reference })
  return r
}

/**
 * `store login`: checks the credentials against the registry (`host`, e.g. `127.0.0.1:5000`)
 * and keeps them in the store's `credentialsFile` (Docker's config.json). `logout` (no
 * credentials) forgets them; returns whether there were any.
 */
export async function registryLogin(store: Store, host: string, credentials?: { username: string; password: string }): Promise<boolean> {
  const { storeCredentials } = await import('./registry/credentials.js')
  const { Codes, StoreError } = await import('./errors.js')
  const file = store.options.credentialsFile
  if (!file) throw new StoreError(Codes.INVALID_ARGUMENT, 'no place to keep credentials: set HOME or DOCKER_CONFIG')
  if (credentials) {
    const { RegistryClient, registryError } = await import('./registry/client.js')
    const client = new RegistryClient(host, '', { insecure: store.options.insecureRegistries, credentials: () => credentials, certsDirs: store.options.certsDirs })
    const r = await client.fetch('')
    await r.body?.cancel()
    // Docker's words (registry/auth.go), with the address that answered.
    if (r.status === 401) throw new StoreError(Codes.REGISTRY_DENIED, `login attempt to ${client.url('')} failed with status: 401 Unauthorized`)
    if (!r.ok) throw await registryError(r, `login attempt to ${client.url('')}`)
  }
  return storeCredentials(file, host, credentials)
}

async function registryOptions(store: Store) {
  const { credentialsFrom } = await import('./registry/credentials.js')
  return { insecure: store.options.insecureRegistries, credentials: credentialsFrom(store.options.credentialsFile), certsDirs: store.options.certsDirs }
}

/** `store history`: an image's layers and config steps, newest first. */
export async function imageHistory(store: Store, name: string): Promise<HistoryRow[]> {
  const { imageHistory } = await import('./image/history.js')
  return imageHistory(store, await store.images.require(name))
}

/** Docker's `image inspect` object for an image (name or ID). */
export async function inspectImage(store: Store, name: string): Promise<Record<string, unknown>> {
  const { inspectImage } = await import('./image/inspect.js')
  return inspectImage(store, await store.images.require(name)) as Promise<Record<string, unknown>>
}

/** Tag an image (name or ID) as `target` (NAME[:TAG]). */
export async function tagImage(store: Store, source: string, target: string): Promise<void> {
  const { parseTag } = await import('./reference.js')
  const { emit } = await import('./events.js')
  const t = parseTag(target)
  const id = await store.images.require(source)
  await store.images.tag(id, t)
  await emit(store.layout, 'image', 'tag', id, { name: t })
}

/**
 * `store rmi`: untag each name, and delete images left without tags and not used by a
 * container (a running one's image even with `force`). On an error part-way, the error's
 * `data.partial` holds what was done.
 */
export async function removeImages(store: Store, names: string[], options: { force?: boolean } = {}): Promise<RmiResult> {
  const { removeImages } = await import('./image/remove.js')
  const { isContainerRunning } = await import('./container/state.js')
  const { collectGarbage, containerImages } = await import('./system/gc.js')
  const { emit } = await import('./events.js')
  const events = async (r: RmiResult) => {
    for (const t of r.untagged) await emit(store.layout, 'image', 'untag', t, { name: t })
    for (const d of r.deleted) await emit(store.layout, 'image', 'delete', d, { name: d })
  }
  try {
    const r = await removeImages(store, names, !!options.force, {
      containersOf: async (id) => (await containerImages(store)).get(id) ?? [],
      isRunning: (id) => isContainerRunning(store, id),
      collect: async () => void (await collectGarbage(store, { keepImages: true })),
    })
    await events(r)
    return r
  } catch (e) {
    const partial = (e as { data?: { partial?: RmiResult } })?.data?.partial
    if (partial) await events(partial)
    throw e
  }
}

/** What {@link runContainer} runs: `store run`'s flags, as data. */
export interface RunOptions extends Omit<CreateOptions, 'image' | 'cmd' | 'mounts' | 'prepareMounts' | 'imageVolumes' | 'autoRemove'> {
  /** `-v` specs (`NAME:/path`, `/host:/path:ro`), relative host paths against `cwd`. */
  volumes?: string[]
  /** `--mount` specs (`type=bind,source=…,target=…`). */
  mounts?: string[]
  /** `--tmpfs` specs. */
  tmpfs?: string[]
  cwd?: string
  /** Remove the container and its anonymous volumes when it ends (default true, as `--rm`). */
  remove?: boolean
}

/**
 * Create a container of `image` and run `cmd` in it to its end, as `store run --rm` does
 * (without `-t`): returns its ID, exit status and what it wrote to stdout and stderr.
 */
export async function runContainer(store: Store, image: string, cmd: string[] = [], options: RunOptions = {}): Promise<{ id: string; exitCode: number; output: string }> {
  const rec = await createFrom(store, image, cmd, options)
  const c = await import('./container/index.js')
  const { removeAnonymousVolume } = await import('./container/volumes.js')
  const exitCode = await c.supervise(store, rec, { stdio: 'log' })
  const parts: Uint8Array[] = []
  for await (const b of c.containerLogs(store, rec)) parts.push(b.data)
  if (options.remove ?? true) await c.removeContainer(store, rec, { force: true, volumes: true, removeVolume: (n) => removeAnonymousVolume(store, n) })
  return { id: rec.id, exitCode, output: Buffer.concat(parts).toString('utf8') }
}

/**
 * `store create`: a container of `image`, not started. Returns its record (`id`, `name`…).
 * `remove` marks it for removal when it ends (`create --rm`, `run -d --rm`).
 */
export async function createContainer(store: Store, image: string, cmd: string[] = [], options: RunOptions = {}): Promise<ContainerRecord> {
  return createFrom(store, image, cmd, { ...options, remove: options.remove ?? false })
}

async function createFrom(store: Store, image: string, cmd: string[], o: RunOptions): Promise<ContainerRecord> {
  const { createContainer } = await import('./container/index.js')
  const { resolveMountArgs } = await import('./container/volumes.js')
  const m = await resolveMountArgs(store, { volume: o.volumes ?? [], mount: o.mounts ?? [], tmpfs: o.tmpfs ?? [], cwd: o.cwd ?? process.cwd() })
  const { volumes: _v, mounts: _m, tmpfs: _t, cwd: _c, remove, ...create } = o
  return createContainer(store, { ...create, image, cmd, mounts: m.mounts, prepareMounts: m.prepare, imageVolumes: true, autoRemove: remove ?? false })
}

/**
 * `store start` of a created or exited container: it runs on, detached (a monitor process keeps
 * it and its restart policy). With `attach`, it runs here to its end on this process's stdin,
 * stdout and stderr (`start -a`, and `store run` without `-d`), removed after with `remove`
 * (`run --rm`), and its exit status is returned.
 */
export async function startContainer(store: Store, container: ContainerRef, options: { attach?: boolean; remove?: boolean } = {}): Promise<number | undefined> {
  const c = await import('./container/index.js')
  const rec = await containerOf(store, container)
  c.assertStartable(rec)
  if (options.attach) return (await import('./container/foreground.js')).runAttached(store, rec, { remove: options.remove })
  await c.startDetached(store, rec)
  return undefined
}

/**
 * The per-container monitor's work (`store start` spawns one for a detached container): run it
 * to its end with its output in its log, and again while its restart policy says. Returns the
 * status the monitor process exits with; a failed start goes to `onError`.
 */
export async function monitorContainer(store: Store, id: string, restarts = 0, onError?: (e: Error) => void): Promise<number> {
  return (await import('./container/foreground.js')).monitorContainer(store, id, restarts, onError)
}

/** What {@link execContainer} runs with: `store exec`'s flags. */
export interface ExecOptions {
  env?: string[]
  user?: string
  workdir?: string
  /** Keep stdin open (`-i`). */
  interactive?: boolean
  /** A terminal (`-t`): this process's stdin must be one. */
  tty?: boolean
}

/** `store exec`: `cmd` in a running container, on this process's stdio; returns its exit status (127 for a missing command, as Docker). */
export async function execContainer(store: Store, container: ContainerRef, cmd: string[], options: ExecOptions = {}): Promise<number> {
  const c = await import('./container/index.js')
  const { Codes, StoreError } = await import('./errors.js')
  if (cmd.length === 0) throw new StoreError(Codes.INVALID_ARGUMENT, 'exec requires at least 2 arguments')
  return c.execInContainer(store, await containerOf(store, container), { ...options, cmd })
}

/** `store cp` options: `archive` keeps owners (`-a`), `followLink` follows a link at the source (`-L`). */
export interface CopyOptions {
  archive?: boolean
  followLink?: boolean
}

/**
 * `store cp CONTAINER:SRC DEST`: `path` in the container (as Docker resolves it: links inside
 * its root) to the host path `dest`, or as a tar stream to a writable (`cp … -`). Returns the bytes copied.
 */
export async function copyFromContainer(store: Store, container: string, path: string, dest: string | NodeJS.WritableStream, options: CopyOptions = {}): Promise<{ bytes: number }> {
  const c = await import('./container/index.js')
  const rec = await c.requireContainer(store, container)
  return c.copyFromContainer(store, rec, container, path || '/', typeof dest === 'string' ? resolve(dest) : (dest as import('node:stream').Writable), options)
}

/** `store cp SRC CONTAINER:DEST`: the host path `src` (or a tar stream: `cp - …`) into the container at `path`. Returns the bytes copied. */
export async function copyToContainer(store: Store, container: string, src: string | NodeJS.ReadableStream, path: string, options: CopyOptions = {}): Promise<{ bytes: number }> {
  const c = await import('./container/index.js')
  const rec = await c.requireContainer(store, container)
  // `SRC/.` copies the folder's content, not the folder: resolve() would drop the dot.
  const from = typeof src === 'string' ? resolve(src) + (src.endsWith('/.') ? '/.' : '') : (src as import('node:stream').Readable)
  return c.copyToContainer(store, rec, container, from, path || '/', options)
}

/**
 * `store stats --no-stream`: CPU, memory, network, block I/O and processes of the containers
 * named (default: the running ones; every one with `all`), measured over `intervalMs`.
 */
export async function containerStats(store: Store, options: { containers?: string[]; all?: boolean; intervalMs?: number } = {}): Promise<StatsRow[]> {
  const c = await import('./container/index.js')
  const recs = options.containers?.length
    ? await Promise.all(options.containers.map((n) => c.requireContainer(store, n)))
    : (await c.psRows(store, !!options.all)).map((r) => r.rec)
  return c.sampleStats(store, recs, options.intervalMs)
}

/** `store stop`: its stop signal (SIGTERM unless `signal` or the image says), then SIGKILL after `timeout` seconds (default 10). */
export async function stopContainer(store: Store, name: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
  const c = await import('./container/index.js')
  const rec = await c.requireContainer(store, name)
  if (options.signal) rec.stopSignal = options.signal
  await c.stopContainer(store, rec, options.timeout)
}

/** `store kill`: `signal` (default SIGKILL) to the container's command. */
export async function killContainer(store: Store, name: string, options: { signal?: string } = {}): Promise<void> {
  const c = await import('./container/index.js')
  await c.killContainer(store, await c.requireContainer(store, name), options.signal)
}

/** `store restart`: stopped (if running, as `stopContainer`), then started detached. */
export async function restartContainer(store: Store, name: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
  const c = await import('./container/index.js')
  const rec = await c.requireContainer(store, name)
  c.assertStartable(rec)
  if (options.signal) rec.stopSignal = options.signal
  await c.stopContainer(store, rec, options.timeout)
  await c.startDetached(store, rec)
}

/** `store rename`. */
export async function renameContainer(store: Store, name: string, newName: string): Promise<void> {
  await (await import('./container/index.js')).renameContainer(store, name, newName)
}

/** `store pause` (true) or `unpause` (false): the container's processes frozen or thawed. */
export async function pauseContainer(store: Store, name: string, paused = true): Promise<void> {
  const c = await import('./container/index.js')
  await c.pauseContainer(store, await c.requireContainer(store, name), paused)
}

/** `store top`: the container's processes as `ps` (with `psArgs`) shows them, as text. */
export async function topContainer(store: Store, name: string, psArgs?: string[]): Promise<string> {
  const c = await import('./container/index.js')
  return c.topContainer(store, await c.requireContainer(store, name), psArgs)
}

/** `store update`: resource limits (bytes, nano-CPUs…) and the restart policy; a running container's at once. */
export async function updateContainer(store: Store, name: string, options: { limits?: Limits; restart?: string }): Promise<void> {
  const c = await import('./container/index.js')
  await c.updateContainer(store, await c.requireContainer(store, name), { limits: options.limits, restart: options.restart })
}

/** `store ps [-a]`: one row per container (its record, state, image and command as shown), `filters` as `--filter`. */
export async function containerRows(store: Store, options: { all?: boolean; filters?: string[] } = {}): Promise<PsRow[]> {
  const c = await import('./container/index.js')
  return c.psRows(store, !!options.all, c.psFilters(options.filters))
}

/** `store diff`: the container's changes to its image, as Docker's `A /path`, `C /path`, `D /path` lines. */
export async function containerDiff(store: Store, name: string): Promise<string[]> {
  const c = await import('./container/index.js')
  return c.diffLines(store, await c.requireContainer(store, name))
}

/** `store commit`: a new image of the container's changes over its image; returns its ID. */
export async function commitContainer(store: Store, name: string, options: { tag?: string; changes?: string[]; message?: string; author?: string } = {}): Promise<Digest> {
  const c = await import('./container/index.js')
  const { emit } = await import('./events.js')
  const rec = await c.requireContainer(store, name)
  const id = await c.commitContainer(store, rec, options)
  const ref = options.tag ? (await import('./reference.js')).parseTag(options.tag) : ''
  if (ref) await emit(store.layout, 'image', 'tag', id, { name: ref })
  await emit(store.layout, 'container', 'commit', rec.id, { comment: options.message ?? '', image: rec.imageRef, imageID: id, imageRef: ref, name: rec.name })
  return id
}

/** `store export`: the container's merged file system as a tar stream. */
export async function* exportContainer(store: Store, name: string): AsyncGenerator<Uint8Array> {
  const c = await import('./container/index.js')
  const rec = await c.requireContainer(store, name)
  yield* c.exportContainer(store, rec)
  await (await import('./events.js')).emit(store.layout, 'container', 'export', rec.id, { image: rec.imageRef, name: rec.name })
}

/** `store export -o`: into a file, written beside it and renamed when complete. */
export async function exportContainerToFile(store: Store, name: string, path: string): Promise<void> {
  const { writeOutputFile } = await import('./_outputFile.js')
  const c = await import('./container/index.js')
  const rec = await c.requireContainer(store, name)
  await writeOutputFile(store.layout, path, c.exportContainer(store, rec))
  await (await import('./events.js')).emit(store.layout, 'container', 'export', rec.id, { image: rec.imageRef, name: rec.name })
}

/** `store port`: a running container's published ports, as `80/tcp` → `0.0.0.0:8080` pairs in Docker's order (none when it is not running). */
export async function containerPorts(store: Store, name: string): Promise<{ port: string; host: string }[]> {
  const c = await import('./container/index.js')
  const { comparePortKeys, hostAddress, portKey } = await import('./network/index.js')
  const rec = await c.requireContainer(store, name)
  const st = await c.currentState(store, rec.id)
  const ports = st.status === 'running' ? [...(st.ports ?? [])] : []
  ports.sort((a, b) => comparePortKeys(portKey(a), portKey(b)))
  return ports.map((p) => ({ port: portKey(p), host: hostAddress(p) }))
}

/** `store wait`: the container's exit status once it has ended. */
export async function waitContainer(store: Store, name: string): Promise<number> {
  const c = await import('./container/index.js')
  return c.waitContainer(store, await c.requireContainer(store, name))
}

/** `store rm [-f] [-v]`. */
export async function removeContainer(store: Store, name: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
  const c = await import('./container/index.js')
  const { removeAnonymousVolume } = await import('./container/volumes.js')
  await c.removeContainer(store, await c.requireContainer(store, name), { force: options.force, volumes: options.volumes, removeVolume: (n) => removeAnonymousVolume(store, n) })
}

/** Every container's record (running or not), as `store ps -a` lists them. */
export async function listContainers(store: Store): Promise<ContainerRecord[]> {
  return (await import('./container/index.js')).listContainers(store)
}

/** Docker's `container inspect` object, or undefined when there is no such container. */
export async function inspectContainer(store: Store, name: string): Promise<Record<string, unknown> | undefined> {
  return (await import('./container/index.js')).inspectContainer(store, name) as Promise<Record<string, unknown> | undefined>
}

/**
 * A container's log, piece by piece with the stream that wrote it (stdout and stderr apart, as
 * Docker keeps them): `follow` while it runs, the last `tail` lines, lines written from `since`
 * to before `until` (Docker's forms: RFC 3339, a Unix time, `10m` ago), `timestamps` before each line.
 */
export async function* containerLogs(store: Store, name: string, options: { follow?: boolean; tail?: number; since?: string; until?: string; timestamps?: boolean } = {}): AsyncGenerator<LogChunk> {
  const c = await import('./container/index.js')
  const { timeMicros } = await import('./filters.js')
  const { Codes, StoreError } = await import('./errors.js')
  const now = new Date()
  const at = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined
    try {
      return timeMicros(v, now)
    } catch (e) {
      throw new StoreError(Codes.INVALID_ARGUMENT, `invalid value for "${flag}": ${(e as Error).message}`)
    }
  }
  const since = at('since', options.since)
  const until = at('until', options.until)
  const rec = await c.requireContainer(store, name)
  yield* c.containerLogs(store, rec, { follow: options.follow, tail: options.tail, timestamps: options.timestamps, since, until })
}

/** `store volume create [NAME]`: a local volume (a random name without one); `opts` as `-o type=tmpfs,device=tmpfs,o=size=64m`. */
export async function createVolume(store: Store, name?: string, options: { labels?: Record<string, string>; opts?: Record<string, string>; driver?: string } = {}): Promise<VolumeInfo> {
  const { volumeStore } = await import('./container/volumes.js')
  const { emit } = await import('./events.js')
  const v = await volumeStore(store).create(name, { labels: options.labels, opts: options.opts, driver: options.driver })
  await emit(store.layout, 'volume', 'create', v.Name, { driver: v.Driver })
  return v
}

/** `store volume ls`, with its filters (`dangling=true`, `name=…`, `label=k[=v]`, `driver=local`). */
export async function listVolumes(store: Store, options: { filters?: string[] } = {}): Promise<VolumeInfo[]> {
  const { listVolumes } = await import('./container/volumes.js')
  const { parseFilters } = await import('./filters.js')
  return listVolumes(store, parseFilters(options.filters, ['dangling', 'name', 'label', 'driver']))
}

/** Docker's `volume inspect` object. */
export async function inspectVolume(store: Store, name: string): Promise<VolumeInfo> {
  return (await import('./container/volumes.js')).volumeStore(store).inspect(name)
}

/** `store volume rm`: refused while a container uses it. */
export async function removeVolume(store: Store, name: string): Promise<void> {
  const { removeVolume } = await import('./container/volumes.js')
  const { emit } = await import('./events.js')
  await removeVolume(store, name, false)
  await emit(store.layout, 'volume', 'destroy', name, { driver: 'local' })
}

/** `store volume prune -f`: anonymous volumes no container uses (every unused one with `all`); `filters` as `--filter label=…`. */
export async function pruneVolumes(store: Store, options: { all?: boolean; filters?: string[] } = {}): Promise<{ names: string[]; reclaimed: number }> {
  const { pruneVolumes } = await import('./container/volumes.js')
  const { parseFilters } = await import('./filters.js')
  const filters = parseFilters(options.filters, ['label', 'label!', 'all'])
  let all = !!options.all
  if (filters.has('all')) all = ['true', '1'].includes(filters.get('all')!.at(-1)!.toLowerCase())
  filters.delete('all')
  return pruneVolumes(store, all, filters)
}

/** `store network create NAME`: a user bridge network (`subnet`: the range, else a free private one). */
export async function createNetwork(store: Store, name: string, options: { subnet?: string; gateway?: string; labels?: Record<string, string>; driver?: string } = {}): Promise<NetworkRecord> {
  const { createNetwork } = await import('./network/index.js')
  const { Codes, StoreError } = await import('./errors.js')
  const { emit } = await import('./events.js')
  if ((options.driver ?? 'bridge') !== 'bridge') throw new StoreError(Codes.UNSUPPORTED, `plugin "${options.driver}" not found`)
  const n = await createNetwork(store.layout, name, { subnet: options.subnet, gateway: options.gateway, labels: options.labels, now: store.now() })
  await emit(store.layout, 'network', 'create', n.Id, { name: n.Name, type: 'bridge' })
  return n
}

/** `store network ls`: the predefined networks (bridge, host, none) and the user's, by name. */
export async function listNetworks(store: Store): Promise<NetworkRow[]> {
  return (await import('./container/networks.js')).networkRows(store)
}

/** Docker's `network inspect` object (a name or an ID prefix), or undefined. */
export async function inspectNetwork(store: Store, ref: string): Promise<Record<string, unknown> | undefined> {
  return (await import('./container/networks.js')).inspectNetwork(store, ref)
}

/** `store network rm`: refused while a running container is on it. */
export async function removeNetwork(store: Store, ref: string): Promise<void> {
  const { removeUserNetwork } = await import('./container/networks.js')
  const { emit } = await import('./events.js')
  const n = await removeUserNetwork(store, ref)
  await emit(store.layout, 'network', 'destroy', n.Id, { name: n.Name, type: 'bridge' })
}

/** `store network connect NETWORK CONTAINER`: kept for every start; at once if it runs (eth1, eth2…). */
export async function connectNetwork(store: Store, network: string, container: string): Promise<void> {
  return (await import('./container/connect.js')).connectContainer(store, network, container)
}

/** `store network disconnect NETWORK CONTAINER`: its interface removed at once if it runs. */
export async function disconnectNetwork(store: Store, network: string, container: string): Promise<void> {
  return (await import('./container/connect.js')).disconnectContainer(store, network, container)
}

/** `store network prune -f`: every user network no container is on; returns their names. */
export async function pruneNetworks(store: Store): Promise<string[]> {
  const { pruneNetworks } = await import('./container/networks.js')
  const { emit } = await import('./events.js')
  const gone = await pruneNetworks(store)
  for (const n of gone) await emit(store.layout, 'network', 'destroy', n.id, { name: n.name, type: 'bridge' })
  return gone.map((n) => n.name)
}

/** `store system df`: images, containers, volumes and build cache, with what deduplication saved; `onProgress` told the layer indexes read. */
export async function diskUsage(store: Store, options: { onProgress?: OnProgress } = {}): Promise<SystemDf> {
  const { systemDf } = await import('./system/df.js')
  const c = await import('./container/index.js')
  const { volumeUsage } = await import('./container/volumes.js')
  return systemDf(store, { containers: c.containerUsage, runningContainers: c.runningCount, volumes: volumeUsage }, options.onProgress)
}

/**
 * `store system prune -f`: stopped containers, dangling images (every unused one with `all`),
 * the build cache, unused snapshots, leftovers of interrupted operations, and anonymous
 * volumes with `volumes`; `filters` as `--filter` (`until=`, `label=`).
 */
export async function prune(store: Store, options: { all?: boolean; volumes?: boolean; filters?: string[] } = {}): Promise<PruneResult> {
  const { earliestUntil, parseFilters, PRUNE_FILTERS } = await import('./filters.js')
  const { systemPrune } = await import('./system/prune.js')
  const c = await import('./container/index.js')
  const { pruneVolumes } = await import('./container/volumes.js')
  const { imagePruneFilter } = await import('./image/list.js')
  const filters = parseFilters(options.filters, PRUNE_FILTERS)
  // Volumes take `label` only (Docker refuses `until` there).
  const volumeFilters = new Map([...filters].filter(([k]) => k !== 'until'))
  // The build cache takes `until` only: its entries carry no labels, so `label=` does not narrow it.
  const cacheUntil = earliestUntil(filters, store.now())
  return systemPrune(store, { all: !!options.all, volumes: !!options.volumes, mayRemove: imagePruneFilter(store, filters), cacheUntil }, {
    containers: (s) => c.pruneContainers(s, filters),
    volumes: (s) => pruneVolumes(s, false, volumeFilters),
  })
}

/** `store image prune -f`: dangling images (every image no container uses with `all`) and what only they held; `filters` as `--filter`. */
export async function pruneImages(store: Store, options: { all?: boolean; filters?: string[] } = {}): Promise<{ deleted: Digest[]; reclaimed: number }> {
  const { parseFilters, PRUNE_FILTERS } = await import('./filters.js')
  const { collectGarbage } = await import('./system/gc.js')
  const { imagePruneFilter } = await import('./image/list.js')
  const r = await collectGarbage(store, { all: !!options.all, mayRemove: imagePruneFilter(store, parseFilters(options.filters, PRUNE_FILTERS)) })
  return { deleted: r.imagesDeleted, reclaimed: r.reclaimed }
}

/** `store container prune -f`: every stopped container; `filters` as `--filter`. */
export async function pruneContainers(store: Store, options: { filters?: string[] } = {}): Promise<{ ids: string[]; reclaimed: number }> {
  const { parseFilters, PRUNE_FILTERS } = await import('./filters.js')
  const { withGc } = await import('./_lock.js')
  const c = await import('./container/index.js')
  const filters = parseFilters(options.filters, PRUNE_FILTERS)
  // Under the gc lock: a build's RUN container is stopped between its create and its start.
  return withGc(store.layout, () => c.pruneContainers(store, filters))
}

/**
 * `store builder prune -f`: the build cache, its RUN --mount=type=cache dirs and what only they
 * held; `filters` as `--filter` (`until=`: only what was last used before it).
 */
export async function pruneBuildCache(store: Store, options: { filters?: string[] } = {}): Promise<{ objects: number; reclaimed: number }> {
  const { earliestUntil, parseFilters } = await import('./filters.js')
  const { collectGarbage } = await import('./system/gc.js')
  const cacheUntil = earliestUntil(parseFilters(options.filters, ['until']), store.now())
  const r = await collectGarbage(store, { keepImages: true, buildCache: true, cacheMounts: true, cacheUntil })
  return { objects: r.buildCacheDropped + r.cacheMountsDropped, reclaimed: r.reclaimed }
}

/**
 * `store events`: what commands did to this store, from `since` (Docker's forms: RFC 3339, a Unix
 * time, `10m`; default now) to `until` (following new events while it is in the future or
 * unset), with Docker's filters (`type=`, `event=`, `container=`, `image=`, `network=`, `volume=`).
 */
export async function* events(store: Store, options: { since?: string; until?: string; filters?: string[]; signal?: AbortSignal } = {}): AsyncGenerator<StoreEvent> {
  const { parseFilters, untilTime } = await import('./filters.js')
  const { readEvents } = await import('./events.js')
  const f = parseFilters(options.filters, ['type', 'event', 'container', 'image', 'network', 'volume'])
  const now = new Date()
  const since = options.since === undefined ? now.getTime() : untilTime(options.since, now)
  const until = options.until === undefined ? undefined : untilTime(options.until, now)
  // A filter value matches a name or ID exactly, or (12 characters or more) an ID's start.
  const has = (k: string, ...vals: (string | undefined)[]) => !f.has(k) || f.get(k)!.some((v) => vals.some((x) => x !== undefined && (x === v || (k !== 'type' && k !== 'event' && x.startsWith(v) && v.length >= 12))))
  for await (const ev of readEvents(store.layout, since, until, until === undefined || until > now.getTime(), options.signal)) {
    const a = ev.Actor.Attributes
    if (!has('type', ev.Type) || !has('event', ev.Action)) continue
    if (f.has('container') && (ev.Type !== 'container' || !has('container', ev.Actor.ID, a.name))) continue
    if (f.has('image') && !has('image', a.image, ev.Type === 'image' ? ev.Actor.ID : undefined, ev.Type === 'image' ? a.name : undefined)) continue
    if (f.has('network') && (ev.Type !== 'network' || !has('network', ev.Actor.ID, a.name))) continue
    if (f.has('volume') && (ev.Type !== 'volume' || !has('volume', ev.Actor.ID))) continue
    yield ev
  }
}

/** `store system info`: the storage driver and why, the backing file system, the root, as text. */
export async function systemInfo(store: Store): Promise<string> {
  return (await import('./system/info.js')).systemInfo(store)
}

/**
 * `store fsck`: read every blob, pack and layer index back and check each against its digest
 * (and, with `snapshots`, every snapshot against its layers). Problems are in the report.
 */
export async function fsck(store: Store, options: { snapshots?: boolean; onProgress?: (message: string) => void } = {}): Promise<FsckReport> {
  const { fsck } = await import('./fsck.js')
  return fsck(store, options.onProgress, { snapshots: !!options.snapshots })
}
