// `store push NAME[:TAG]`: an image to a registry as Docker pushes it: each layer as a gzip
// blob (every client reads gzip), the config as it is stored (so the image ID stays the same
// everywhere), and a Docker v2 schema 2 manifest under the tag. A layer is compressed as it
// uploads (its digest, which the registry wants with the upload's last request, is taken on
// the way) in 8 MiB pieces; five layers go at once, as Docker's `max-concurrent-uploads`. The
// digest of a layer's gzip is remembered (cache/push/), so pushing it again asks the registry
// (HEAD) before compressing anything. `push -a`: every local tag of the repository.

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../_fs.js'
import { Readable } from 'node:stream'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { layerPieces, loadIndex, type LayerRecord, type TarPiece } from '../layer/index.js'
import { gcLease } from '../_lock.js'
import { getConfig, imageLayers } from '../image/create.js'
import { RegistryClient, registryError, registryRef, type ClientOptions, type RegistryRef } from './client.js'
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, type Descriptor } from './media.js'
import type { OnProgress } from '../progress.js'
import { chunkedGzip, TOC_ANNOTATION, type TocPlace } from './chunked.js'

/** Layers uploaded at once (Docker's `max-concurrent-uploads`). */
const PUSHES = 5

export interface PushOptions extends ClientOptions {
  /** Docker's status lines, one at a time; a layer's (`113bfb4dc12a: Pushed`) with its short ID. */
  onStatus?: (line: string, id?: string) => void
  /** Bytes of each layer being compressed and uploaded (label `Pushing`, `id` its short ID), of its size. */
  onProgress?: OnProgress
}

export interface PushResult {
  digest: string
  size: number
  tag: string
  /** `name:tag` as pushed. */
  reference: string
}

export async function pushImage(store: Store, reference: string, o: PushOptions = {}): Promise<PushResult> {
  const ref = registryRef(reference)
  if (ref.digest) throw new StoreError(Codes.INVALID_ARGUMENT, `cannot push a digest reference: ${reference}`)
  const tag = ref.tag ?? 'latest'
  const local = `${ref.name}:${tag}`
  const id = await store.images.resolve(local)
  if (!id) throw new StoreError(Codes.IMAGE_NOT_FOUND, `An image does not exist locally with the tag: ${ref.name}`, { data: { image: local } })
  const client = new RegistryClient(ref.host, `repository:${ref.repository}:pull,push`, o)
  o.onStatus?.(`The push refers to repository [${ref.name}]`)
  return pushOne(store, client, ref, tag, id, o)
}

/** `store push -a NAME`: every tag of the repository the store has, in order, as Docker pushes them (one header line). */
export async function pushAllTags(store: Store, repository: string, o: PushOptions = {}): Promise<PushResult[]> {
  const ref = registryRef(repository)
  const tags = Object.entries(await store.images.tags()).filter(([t]) => t.startsWith(`${ref.name}:`)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (tags.length === 0) throw new StoreError(Codes.IMAGE_NOT_FOUND, `An image does not exist locally with the tag: ${ref.name}`, { data: { image: ref.name } })
  const client = new RegistryClient(ref.host, `repository:${ref.repository}:pull,push`, o)
  o.onStatus?.(`The push refers to repository [${ref.name}]`)
  const out: PushResult[] = []
  for (const [t, id] of tags) out.push(await pushOne(store, client, ref, t.slice(ref.name.length + 1), id as Digest, o))
  return out
}

async function pushOne(store: Store, client: RegistryClient, ref: RegistryRef, tag: string, id: Digest, o: PushOptions): Promise<PushResult> {
  const local = `${ref.name}:${tag}`
  const say = o.onStatus ?? (() => {})
  const release = await gcLease(store.layout)
  try {
    const configBytes = await store.cas.get(id)
    const layers = await imageLayers(store, await getConfig(store, id))
    // Docker's view: every layer "Preparing" (top first), those past the first PUSHES
    // "Waiting", then each one's outcome as it lands. Bottom first, PUSHES at once; the
    // manifest lists them bottom first whatever order they finish in.
    const short = (l: LayerRecord) => l.diffId.slice(7, 19)
    const tell = (l: LayerRecord, status: string) => say(`${short(l)}: ${status}`, short(l))
    for (const l of [...layers].reverse()) tell(l, 'Preparing')
    for (const l of layers.slice(PUSHES)) tell(l, 'Waiting')
    const descriptors: Descriptor[] = new Array(layers.length)
    let failed: { e: unknown } | undefined
    let next = 0
    const worker = async () => {
      while (!failed && next < layers.length) {
        const i = next++
        const l = layers[i]
        try {
          const d = await pushLayer(store, client, ref.repository, l, o.onProgress, () => failed !== undefined)
          descriptors[i] = { mediaType: DOCKER_LAYER_GZIP, size: d.size, digest: d.digest, ...(d.toc ? { annotations: { [TOC_ANNOTATION]: d.toc } } : {}) }
          tell(l, d.mountedFrom ? `Mounted from ${d.mountedFrom}` : d.existed ? 'Layer already exists' : 'Pushed')
        } catch (e) {
          // The first failure is the one told; the others stop at their next piece.
          failed ??= { e }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PUSHES, layers.length) }, worker))
    if (failed) throw failed.e
    const configDigest = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`
    if (!(await hasBlob(client, ref.repository, configDigest))) await upload(client, ref.repository, configDigest, configBytes.length, () => Readable.from([configBytes]))
    const manifest = JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_CONFIG, size: configBytes.length, digest: configDigest },
        layers: descriptors,
      },
      null,
      3,
    )
    const bytes = new TextEncoder().encode(manifest)
    const r = await client.fetch(`${ref.repository}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': DOCKER_MANIFEST }, body: bytes })
    if (!r.ok) throw await registryError(r, `push of ${local}`)
    await r.body?.cancel()
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    await store.images.addRepoDigest(id, `${ref.name}@${digest}`)
    say(`${tag}: digest: ${digest} size: ${bytes.length}`)
    return { digest, size: bytes.length, tag, reference: local }
  } finally {
    await release()
  }
}

async function hasBlob(client: RegistryClient, repo: string, digest: string): Promise<boolean> {
  const r = await client.fetch(`${repo}/blobs/${digest}`, { method: 'HEAD' })
  await r.body?.cancel()
  if (r.ok) return true
  if (r.status === 404) return false
  throw await registryError(r, `blob ${digest}`)
}

/**
 * The layer's gzip on the registry: asked for first when its digest is known from an earlier
 * push; else compressed while it uploads (PATCHes of 8 MiB pieces, then the PUT that names the digest,
 * known only at the end), so compression, hashing and the upload overlap and nothing is written
 * to disk. The upload is chunked (uploadInPieces): memory is bounded by two pieces.
 */
async function pushLayer(store: Store, client: RegistryClient, repo: string, l: LayerRecord, onProgress: OnProgress | undefined, stop: () => boolean): Promise<Memo & { existed: boolean; mountedFrom?: string }> {
  const known = await pushedBefore(store, l.chainId)
  if (known && (await hasBlob(client, repo, known.digest))) return { ...known, existed: true }
  // Pushed to another repository of this registry before: mounted from there, not sent again.
  const from = known?.from?.[client.host]
  if (known && from && from !== repo) {
    const r = await client.fetch(`${repo}/blobs/uploads/?mount=${encodeURIComponent(known.digest)}&from=${encodeURIComponent(from)}`, { method: 'POST' })
    await r.body?.cancel()
    if (r.status === 201) return { digest: known.digest, size: known.size, existed: true, mountedFrom: from }
  }
  const h = createHash('sha256')
  let size = 0
  const ix = await loadIndex(store.cas, l.index)
  const hashed = async function* (src: AsyncIterable<Uint8Array>) {
    for await (const b of src) {
      h.update(b)
      size += b.length
      yield b
    }
  }
  // Members on every core (codec/gzip.ts), at Docker's level (chunked.ts says why): gzip is the
  // whole cost of a push. Members follow the store's chunks, with a table of contents: a pull by
  // store fetches only the chunks it lacks.
  const toc: Partial<TocPlace> = {}
  const progress = { label: 'Pushing', id: l.diffId.slice(7, 19), total: l.size, unit: 'bytes' as const }
  const counted = async function* (src: AsyncIterable<TarPiece>) {
    let done = 0
    onProgress?.({ ...progress, done })
    for await (const p of src) {
      if (stop()) throw new StoreError(Codes.REGISTRY_ERROR, 'stopped: another layer of the push failed')
      done += p.bytes.length
      onProgress?.({ ...progress, done })
      yield p
    }
  }
  const gz = chunkedGzip(store.workers, counted(layerPieces(store.cas, ix)), toc)
  const next = await uploadInPieces(client, await startUpload(client, repo, l.diffId), hashed(gz), `layer ${l.diffId}`)
  const digest = `sha256:${h.digest('hex')}`
  const url = new URL(next)
  url.searchParams.set('digest', digest)
  const done = await client.fetch(url, { method: 'PUT', headers: { 'content-length': '0' } })
  if (done.status !== 201) throw await registryError(done, `upload of ${digest}`)
  await done.body?.cancel()
  const m: Memo = { digest, size, from: { ...(known?.digest === digest ? known.from : {}), [client.host]: repo }, toc: `${toc.offset}:${toc.length}` }
  await rememberPushed(store, l.chainId, m)
  return { ...m, existed: false }
}

/**
 * A layer's blob goes in pieces of this size, a PATCH each with its Content-Range (the
 * distribution spec's chunked upload), the next piece compressed while one is on the wire.
 * Memory stays at two pieces whatever the layer's size: fetch does not hold back a streamed
 * request body (a 262 MB one was buffered whole: 313 MB of ArrayBuffers, measured).
 */
const PIECE = 8 << 20

/** `src` uploaded to the session at `location`, piece by piece; the session's last address (for the PUT that names the digest). */
async function uploadInPieces(client: RegistryClient, location: URL, src: AsyncIterable<Uint8Array>, what: string): Promise<URL> {
  let url = location
  let offset = 0
  let parts: Uint8Array[] = []
  let n = 0
  let onWire: Promise<void> = Promise.resolve()
  const patch = async (body: Uint8Array<ArrayBuffer>) => {
    const r = await client.fetch(url, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + body.length - 1}`, 'content-length': String(body.length) },
      body,
    })
    const next = r.headers.get('location')
    if (r.status !== 202 || !next) throw await registryError(r, `upload of ${what}`)
    await r.body?.cancel()
    url = client.absolute(next)
    offset += body.length
  }
  const send = async () => {
    const body = new Uint8Array(n)
    let at = 0
    for (const p of parts) {
      body.set(p, at)
      at += p.length
    }
    parts = []
    n = 0
    await onWire
    onWire = patch(body)
    onWire.catch(() => {}) // awaited by the next send or at the end
  }
  for await (const b of src) {
    parts.push(b)
    n += b.length
    if (n >= PIECE) await send()
  }
  if (n > 0) await send()
  await onWire
  return url
}

/** What a layer's last push (or pull) left: its gzip's digest and size, per registry the repository it is in, and its TOC annotation. */
export interface Memo {
  digest: string
  size: number
  from?: Record<string, string>
  /** The chunk-aware blob's `org.store.chunked.toc`. */
  toc?: string
}

const memoPath = (store: Store, chainId: string) => `${store.layout.cacheDir}/push/${chainId.slice(7)}.json`

/** A memo is a cache: one that cannot be read (or is not a memo) is none. */
async function pushedBefore(store: Store, chainId: string): Promise<Memo | undefined> {
  try {
    const m = JSON.parse(await readFile(memoPath(store, chainId), 'utf8')) as Memo
    return typeof m?.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(m.digest) && Number.isSafeInteger(m.size) ? m : undefined
  } catch {
    return undefined
  }
}

/** Remembered for the next push of the layer: the registry is asked for this blob before anything is compressed. Written whole (temp, rename): a killed push leaves no half a memo. */
export async function rememberPushed(store: Store, chainId: string, m: Memo): Promise<void> {
  await writeFileAtomic(memoPath(store, chainId), JSON.stringify(m))
}

/** A new upload session's address. */
async function startUpload(client: RegistryClient, repo: string, what: string): Promise<URL> {
  const start = await client.fetch(`${repo}/blobs/uploads/`, { method: 'POST' })
  const location = start.headers.get('location')
  if (start.status !== 202 || !location) throw await registryError(start, `upload of ${what}`)
  await start.body?.cancel()
  return client.absolute(location)
}

/** A monolithic upload: POST for a session, then PUT of the whole blob with its digest. */
async function upload(client: RegistryClient, repo: string, digest: string, size: number, body: () => Readable): Promise<void> {
  const url = new URL(await startUpload(client, repo, digest))
  url.searchParams.set('digest', digest)
  const r = await client.fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: Readable.toWeb(body()) as ReadableStream,
  })
  if (r.status !== 201) throw await registryError(r, `upload of ${digest}`)
  await r.body?.cancel()
}
