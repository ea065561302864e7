// `store pull NAME[:TAG|@DIGEST]`: an image from a registry. The manifest (an index or list
// gives the host platform's), then the config, then each layer the store does not have yet by
// its chain ID, streamed: its digest checked as it arrives, gzip or zstd undone (ingestTar
// knows both by their magic), chunked into
// the store, its diffID checked against the config. A layer store pushed (chunk-aware, chunked.ts)
// costs only the chunks the store lacks. The config's bytes are kept exactly, so
// the image ID is Docker's; the manifest's digest becomes a RepoDigest (`run NAME@sha256:…`).
// Three layers come at once (Docker's `max-concurrent-downloads`), recorded bottom first. An
// image already here fetches nothing. Nothing is tagged unless every layer arrived whole; what
// a failed or killed pull kept (chunks, a partial blob in ingest/) serves the next pull and is
// garbage for the next prune (no record points at it). `pull -a`: every tag the registry lists.

import { createHash } from 'node:crypto'
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { chainIdOf, ingestTar } from '../layer/index.js'
import { gcLease } from '../_lock.js'
import { ingestDeps, putImageBytes, recordLayer } from '../image/create.js'
import type { ImageConfig } from '../image/model.js'
import type { OnProgress } from '../progress.js'
import { formatPlatform, hostPlatform, namesPlatform } from '../platform.js'
import { RegistryClient, bounded, registryError, registryRef, type ClientOptions, type RegistryRef } from './client.js'
import { chunkedLayer, tocPlace } from './chunked.js'
import { rememberPushed } from './push.js'
import { INDEX_TYPES, MANIFEST_ACCEPT, MANIFEST_TYPES, type Descriptor, type ImageIndex, type ImageManifest } from './media.js'
import { pidExists } from '../_pid.js'

/** A manifest or config larger than this is refused (Docker's are kilobytes). */
const META_MAX = 4 << 20
/** Layers downloaded at once (Docker's `max-concurrent-downloads`). */
const DOWNLOADS = 3
/**
 * A chunk-aware layer's chunks are made durable and visible every this many ms: a pull killed
 * mid-layer keeps what arrived before, and its next pull does not ask for it again (a plain
 * blob's bytes are kept in ingest/ instead). Each time syncs the file system (chunkBatch.ts).
 */
const KEEP_EVERY = 4000

export interface PullOptions extends ClientOptions {
  /** `os/arch[/variant]` to pick from an index (default: the host's). */
  platform?: string
  /** Docker's status lines, one at a time; a layer's (`02d66cd61f6d: Pull complete`) with its short ID. */
  onStatus?: (line: string, id?: string) => void
  /** Bytes of each layer being downloaded (label `Downloading`, `id` its short ID), of its size. */
  onProgress?: OnProgress
  /** Told the bytes a chunk-aware layer took from the registry (its missing chunks and table of contents). */
  onFetched?: (bytes: number) => void
}

export interface PullResult {
  id: Digest
  /** The manifest's digest (the index's, when the tag names one). */
  digest: string
  /** `name:tag`, or `name@digest` when pulled by digest. */
  reference: string
  /** False when the store had the image already under this name. */
  downloaded: boolean
}


export async function pullImage(store: Store, reference: string, o: PullOptions = {}): Promise<PullResult> {
  const ref = registryRef(reference)
  const client = new RegistryClient(ref.host, `repository:${ref.repository}:pull`, o)
  const r = await pullOne(store, client, ref, o)
  o.onStatus?.(`Status: ${r.downloaded ? 'Downloaded newer image' : 'Image is up to date'} for ${r.reference}`)
  return r
}

/**
 * `store pull -a NAME`: every tag the registry lists for the repository, in its order, as
 * Docker pulls them (each tag's lines, one Status line for the repository at the end).
 */
export async function pullAllTags(store: Store, repository: string, o: PullOptions = {}): Promise<{ reference: string; images: PullResult[] }> {
  const ref = registryRef(repository)
  const client = new RegistryClient(ref.host, `repository:${ref.repository}:pull`, o)
  const images: PullResult[] = []
  for (const tag of await listTags(client, ref.repository, ref.name)) images.push(await pullOne(store, client, { ...ref, tag, digest: undefined }, o))
  o.onStatus?.(`Status: ${images.some((r) => r.downloaded) ? 'Downloaded newer image' : 'Image is up to date'} for ${ref.name}`)
  return { reference: ref.name, images }
}

/** Tags listed per request, and requests at most (the distribution API pages with `Link`). */
const TAGS_PAGE = 1000
const TAG_PAGES = 100

async function listTags(client: RegistryClient, repo: string, name: string): Promise<string[]> {
  const tags: string[] = []
  let path: string | URL = `${repo}/tags/list?n=${TAGS_PAGE}`
  for (let page = 0; page < TAG_PAGES; page++) {
    const r = await client.fetch(path)
    if (!r.ok) throw await registryError(r, `tags of ${name}`)
    let body: { tags?: unknown }
    try {
      body = JSON.parse(new TextDecoder().decode(await bounded(r, META_MAX, `the tags of ${name}`)))
    } catch (e) {
      if (e instanceof StoreError) throw e
      throw new StoreError(Codes.REGISTRY_ERROR, `the tags of ${name} from the registry are not JSON`)
    }
    if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === 'string' && /^[\w][\w.-]{0,127}$/.test(t)))
    // `Link: </v2/name/tags/list?last=x&n=1000>; rel="next"`
    const next = /<([^>]+)>;\s*rel="?next"?/.exec(r.headers.get('link') ?? '')?.[1]
    if (!next) return tags
    path = client.absolute(next)
  }
  throw new StoreError(Codes.REGISTRY_ERROR, `the tags of ${name} run past ${TAG_PAGES} pages of ${TAGS_PAGE}`)
}

/** One image by tag or digest, Docker's lines up to its Digest; not its Status line. */
async function pullOne(store: Store, client: RegistryClient, ref: RegistryRef, o: PullOptions): Promise<PullResult> {
  const say = o.onStatus ?? (() => {})
  const reference = ref.digest ? `${ref.name}@${ref.digest}` : `${ref.name}:${ref.tag}`
  const what = ref.digest ?? ref.tag!
  const top = await getManifest(client, ref.repository, what, `${ref.name}${ref.digest ? '@' : ':'}${what}`)
  say(`${what}: Pulling from ${ref.repository}`)
  if (ref.digest && top.digest !== ref.digest) throw new StoreError(Codes.REGISTRY_ERROR, `manifest verification failed for digest ${ref.digest}`)
  let manifest: ImageManifest
  if (INDEX_TYPES.includes(top.mediaType)) {
    const want = o.platform ?? formatPlatform(hostPlatform())
    const entries = (top.json as ImageIndex).manifests
    if (!Array.isArray(entries)) throw new StoreError(Codes.REGISTRY_ERROR, `${reference}: its manifest list has no list of manifests`)
    const m = entries.find((d) => d && typeof d === 'object' && d.platform?.os && d.platform.architecture && namesPlatform(want, { os: d.platform.os, arch: d.platform.architecture, variant: d.platform.variant }))
    if (!m) throw new StoreError(Codes.NOT_FOUND, `no matching manifest for ${want} in the manifest list entries`)
    checkDescriptor(m, reference)
    const one = await getManifest(client, ref.repository, m.digest, `${ref.name}@${m.digest}`)
    if (one.digest !== m.digest) throw new StoreError(Codes.REGISTRY_ERROR, `manifest verification failed for digest ${m.digest}`)
    manifest = one.json as ImageManifest
  } else {
    manifest = top.json as ImageManifest
  }
  if (!manifest || !manifest.config?.digest || !Array.isArray(manifest.layers)) throw new StoreError(Codes.REGISTRY_ERROR, `${reference}: not an image manifest (schema 1 and other kinds are not supported)`)
  for (const d of [manifest.config, ...manifest.layers]) checkDescriptor(d, reference)

  const release = await gcLease(store.layout)
  try {
    // The image is here already (its ID is its config's digest): nothing is fetched, and as
    // Docker, no layer is listed; the tag and the RepoDigest are still (re)written.
    const id0 = manifest.config.digest as Digest
    const here = /^sha256:[0-9a-f]{64}$/.test(id0) && (await store.images.get(id0)) !== undefined
    const configBytes = here ? await store.cas.get(id0) : await blobBytes(client, ref.repository, manifest.config)
    let config: ImageConfig
    try {
      config = JSON.parse(new TextDecoder().decode(configBytes))
    } catch {
      throw new StoreError(Codes.REGISTRY_ERROR, `the config of ${reference} is not JSON`)
    }
    const diffIds = config.rootfs?.diff_ids ?? []
    if (diffIds.length !== manifest.layers.length) throw new StoreError(Codes.REGISTRY_ERROR, `the config of ${reference} lists ${diffIds.length} layers, its manifest ${manifest.layers.length}`)
    // Each layer's chain ID is known from the config: what the store has is told at once, as
    // Docker lists a pull ("Already exists" or "Pulling fs layer", bottom layer first).
    const chainIds: Digest[] = []
    for (const [i, d] of diffIds.entries()) chainIds.push(chainIdOf(store.hash, i ? chainIds[i - 1] : null, d as Digest))
    const have = here ? chainIds.map(() => true) : await Promise.all(chainIds.map(async (c) => (await store.layers.get(c)) !== undefined))
    const short = (layer: Descriptor) => layer.digest.slice(7, 19)
    const tell = (layer: Descriptor, status: string) => say(`${short(layer)}: ${status}`, short(layer))
    if (!here) manifest.layers.forEach((layer, i) => tell(layer, have[i] ? 'Already exists' : 'Pulling fs layer'))
    const wanted = manifest.layers.flatMap((layer, i) => (have[i] ? [] : [i]))
    for (const i of wanted.slice(DOWNLOADS)) tell(manifest.layers[i], 'Waiting')

    // Up to DOWNLOADS layers at once, each streamed into the store as it arrives (chunked,
    // deduplicated; no temp file), recorded bottom first: a layer's record names its parent's.
    // The first failure stops the others at their next piece; the lease is held until all stop.
    let failed = false
    let firstError: unknown
    const fetchLayer = async (i: number) => {
      const layer = manifest.layers[i]
      // A layer store pushed (a table of contents in its blob): only the chunks the store lacks.
      const place = tocPlace(layer)
      const whole = () => verified(client, ref.repository, layer, o.onProgress, store.layout.ingestDir)
      const src = place
        ? chunkedLayer({
            client, repo: ref.repository, whole, onProgress: o.onProgress, onFetched: o.onFetched,
            has: (c) => store.cas.has(`sha256:${c}` as Digest),
            local: (cs) => store.cas.getMany(cs.map((c) => `sha256:${c}` as Digest)),
          }, layer, place)
        : whole()
      const stats = await ingestTar({ ...ingestDeps(store), ...(place ? { publishEvery: KEEP_EVERY } : {}) }, stopping(src, () => failed))
      tell(layer, 'Verifying Checksum')
      if (stats.diffId !== diffIds[i]) throw new StoreError(Codes.REGISTRY_ERROR, `layer ${layer.digest} of ${reference} has diffID ${stats.diffId}, its config says ${diffIds[i]}`)
      tell(layer, 'Download complete')
      return { stats, place }
    }
    const running = new Map<number, Promise<Awaited<ReturnType<typeof fetchLayer>>>>()
    let next = 0
    let active = 0
    const more = () => {
      while (!failed && next < wanted.length && active < DOWNLOADS) {
        const i = wanted[next++]
        active++
        const p = fetchLayer(i).finally(() => {
          active--
          more()
        })
        p.catch((e) => {
          failed = true
          firstError ??= e
        })
        running.set(i, p)
      }
    }
    try {
      more()
      for (const [i, layer] of manifest.layers.entries()) {
        if (have[i]) continue
        const got = await running.get(i)
        if (!got) throw firstError
        running.delete(i)
        await recordLayer(store, i ? chainIds[i - 1] : null, got.stats)
        // A push of it to this registry asks for this blob first (and mounts it into another
        // repository). Only for a blob fetched whole, whose digest was checked: a chunk-aware
        // pull never sees the whole blob, and a push must not name a blob it has not checked.
        if (!got.place) await rememberPushed(store, chainIds[i], { digest: layer.digest, size: layer.size, from: { [client.host]: ref.repository } }).catch(() => {})
        tell(layer, 'Pull complete')
      }
    } catch (e) {
      // The layer that failed first, not one it stopped.
      throw firstError ?? e
    } finally {
      failed = true
      await Promise.allSettled(running.values())
    }
    const tag = ref.digest ? undefined : `${ref.name}:${ref.tag}`
    const before = tag ? (await store.images.tags())[tag] : undefined
    const id = await putImageBytes(store, configBytes, config, { tags: tag ? [tag] : [] })
    await store.images.addRepoDigest(id, `${ref.name}@${top.digest}`)
    say(`Digest: ${top.digest}`)
    const reference2 = tag ?? `${ref.name}@${top.digest}`
    // The config the registry sent is the one its manifest names (blobBytes checked it): `here` said whether the store had it.
    const downloaded = !here || before !== id
    return { id, digest: top.digest, reference: reference2, downloaded }
  } finally {
    await release()
  }
}

/**
 * A descriptor as the store can use it: a sha256 digest (its hex names files and is matched
 * against names) and a size that is a count of bytes. A registry's other strings never reach a
 * file name, a pattern or a terminal.
 */
function checkDescriptor(d: unknown, reference: string): asserts d is Descriptor {
  const x = d as Partial<Descriptor> | null
  if (!x || typeof x !== 'object') throw new StoreError(Codes.REGISTRY_ERROR, `${reference}: its manifest has a descriptor that is not an object`)
  if (typeof x.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(x.digest)) {
    throw new StoreError(Codes.REGISTRY_ERROR, `${reference}: its manifest names a blob by ${JSON.stringify(String(x.digest).slice(0, 100))}, not a sha256 digest`)
  }
  if (!Number.isSafeInteger(x.size) || (x.size as number) < 0) throw new StoreError(Codes.REGISTRY_ERROR, `${reference}: blob ${x.digest} has size ${JSON.stringify(x.size)}`)
}

async function getManifest(client: RegistryClient, repo: string, what: string, shown: string): Promise<{ mediaType: string; digest: string; json: unknown }> {
  const r = await client.fetch(`${repo}/manifests/${what}`, { headers: { accept: MANIFEST_ACCEPT } })
  if (!r.ok) throw await registryError(r, r.status === 404 ? `manifest for ${shown} not found` : `pull of ${shown}`)
  const bytes = await bounded(r, META_MAX, `the manifest of ${shown}`)
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  let json: { mediaType?: string; manifests?: unknown; schemaVersion?: number }
  try {
    json = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new StoreError(Codes.REGISTRY_ERROR, `the manifest of ${shown} is not JSON`)
  }
  const mediaType = json.mediaType ?? (json.manifests ? INDEX_TYPES[0] : (r.headers.get('content-type') ?? ''))
  if (!MANIFEST_TYPES.includes(mediaType) && !INDEX_TYPES.includes(mediaType)) {
    throw new StoreError(Codes.REGISTRY_ERROR, `${shown}: unsupported manifest type ${mediaType || `(schema ${json.schemaVersion})`}`)
  }
  return { mediaType, digest, json }
}

/** A small blob (the config), whole, its digest and size checked. */
async function blobBytes(client: RegistryClient, repo: string, d: Descriptor): Promise<Uint8Array> {
  if (d.size > META_MAX) throw new StoreError(Codes.REGISTRY_ERROR, `blob ${d.digest} is ${d.size} bytes, more than a config can be`)
  const r = await client.fetch(`${repo}/blobs/${d.digest}`)
  if (!r.ok) throw await registryError(r, `blob ${d.digest}`)
  const bytes = await bounded(r, META_MAX, `blob ${d.digest}`)
  const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  if (got !== d.digest) throw new StoreError(Codes.REGISTRY_ERROR, `blob ${d.digest} from the registry has digest ${got}`, { data: { expected: d.digest, actual: got } })
  return bytes
}


/** A dropped connection resumes where it broke (HTTP Range), this many times per layer. */
const RESUMES = 5
/** The bytes of a blob as they arrive are appended to its partial file in pieces of this size. */
const PARTIAL_FLUSH = 1 << 20
let partials = 0

/**
 * A layer blob as it arrives, hashed on the way: a digest or size other than the manifest's
 * fails the pull at its end. A connection that breaks mid-blob is picked up where it broke
 * (`Range: bytes=N-`, as Docker's puller resumes), so the bytes already taken stay taken; a
 * registry that ignores Range sends it all again, and what was taken is skipped.
 *
 * Across runs: the bytes are also kept in `ingest/pull-<hex>-<registry>-<pid>-<n>.part` until
 * the blob is whole, so a pull that was killed (or failed on another layer) starts from that
 * file's bytes and asks the registry only for the rest. A file whose process is gone is taken
 * over by a rename (two pulls never share one); a blob that fails its digest takes its file
 * with it; `system prune` removes what is left. `<registry>` (8 hex of the SHA-256 of its
 * host) keeps one registry's bytes for its own pulls: a registry that sent wrong bytes and
 * closed the connection would otherwise fail the next pull of that blob from any other.
 */
async function* verified(client: RegistryClient, repo: string, d: Descriptor, onProgress: OnProgress | undefined, ingestDir: string): AsyncGenerator<Uint8Array> {
  const h = createHash('sha256')
  const progress = { label: 'Downloading', id: d.digest.slice(7, 19), total: d.size, unit: 'bytes' as const }
  const key = `${d.digest.slice(7)}-${createHash('sha256').update(client.host).digest('hex').slice(0, 8)}`
  // Unique in this process too: a manifest may name one blob twice, and layers come in parallel.
  const mine = `${ingestDir}/pull-${key}-${process.pid}-${++partials}.part`
  let n = 0
  let fd: FileHandle | undefined
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  let written = 0
  const flush = async () => {
    if (!fd || pendingBytes === 0) return
    const parts = pending
    pending = []
    pendingBytes = 0
    const at = written
    written += parts.reduce((x, p) => x + p.length, 0)
    await fd.writev(parts, at)
  }
  let whole = false
  try {
    // What an earlier pull of this blob kept: its bytes first, checked with the rest.
    const kept = await takePartial(ingestDir, key, mine)
    fd = await open(mine, kept ? 'r+' : 'w')
    if (kept) {
      for await (const b of fd.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>) {
        if (n + b.length > d.size) break
        n += b.length
        h.update(b)
        yield b
      }
      await fd.truncate(n)
      written = n
    }
    onProgress?.({ ...progress, done: n })
    for (let resumes = 0; n < d.size; resumes++) {
      const r = await client.fetch(`${repo}/blobs/${d.digest}`, n > 0 ? { headers: { range: `bytes=${n}-` } } : {})
      if (!r.ok) throw await registryError(r, `blob ${d.digest}`)
      // The whole blob again (no Range support): what is here already is skipped.
      let skip = n > 0 && r.status !== 206 ? n : 0
      try {
        for await (let b of r.body as unknown as AsyncIterable<Uint8Array>) {
          if (skip > 0) {
            const drop = Math.min(skip, b.length)
            skip -= drop
            b = b.subarray(drop)
            if (b.length === 0) continue
          }
          n += b.length
          if (n > d.size) throw new StoreError(Codes.REGISTRY_ERROR, `filesystem layer verification failed for digest ${d.digest}: longer than its ${d.size} bytes`)
          onProgress?.({ ...progress, done: n })
          h.update(b)
          pending.push(b)
          pendingBytes += b.length
          if (pendingBytes >= PARTIAL_FLUSH) await flush()
          yield b
        }
        if (n < d.size) throw new Error('the connection ended early')
      } catch (e) {
        // Our own verdicts end the pull; a broken connection is resumed while there is more to get.
        if (e instanceof StoreError || resumes >= RESUMES) throw e
      }
    }
    const got = `sha256:${h.digest('hex')}`
    // Docker's words; bad input from outside, not the store's fault (exit 1, not 125).
    if (got !== d.digest || n !== d.size) throw new StoreError(Codes.REGISTRY_ERROR, `filesystem layer verification failed for digest ${d.digest}`, { data: { expected: d.digest, actual: got, size: n } })
    whole = true
  } catch (e) {
    // A blob that is wrong is not kept for the next pull.
    if (e instanceof StoreError && /verification failed/.test(e.message)) whole = true
    throw e
  } finally {
    await flush().catch(() => {})
    await fd?.close().catch(() => {})
    // Whole (or wrong): gone. Else kept under its pid-less name for the next pull to take.
    if (whole) await unlink(mine).catch(() => {})
    else await rename(mine, `${ingestDir}/pull-${key}.part`).catch(() => {})
  }
}

/**
 * The partial file of an earlier pull of a blob from a registry (`key`: `<hex>-<registry>`),
 * renamed to `mine`: the one a finished or failed pull left (`pull-<key>.part`), or one whose
 * pull was killed (`pull-<key>-<pid>-<n>.part`, that pid gone). False when there is none.
 */
async function takePartial(ingestDir: string, key: string, mine: string): Promise<boolean> {
  const names = await readdir(ingestDir).catch(() => [] as string[])
  await mkdir(ingestDir, { recursive: true })
  for (const name of names) {
    // `key` is hex digits and a dash (the digest checkDescriptor checked, the registry's hash).
    const m = new RegExp(`^pull-${key}(?:-(\\d+)-\\d+)?\\.part$`).exec(name)
    if (!m || (m[1] && alive(Number(m[1])))) continue
    try {
      await rename(`${ingestDir}/${name}`, mine)
      return true
    } catch {
      // another pull took it first
    }
  }
  return false
}

const alive = (pid: number): boolean => pid === process.pid || pidExists(pid)

/** `src` until `stop()` says another layer failed: the pull ends without waiting for this one. */
async function* stopping(src: AsyncIterable<Uint8Array>, stop: () => boolean): AsyncGenerator<Uint8Array> {
  for await (const b of src) {
    if (stop()) throw new StoreError(Codes.REGISTRY_ERROR, 'stopped: another layer of the pull failed')
    yield b
  }
}
