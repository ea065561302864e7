// `store load`: Docker archives (≥ 25: OCI layout + manifest.json; older: <id>/layer.tar) and
// plain OCI image layouts in a tar. The archive is read once, as a stream: blobs that look like
// layers (tar or gzip) are ingested as they pass, everything small is kept to be read as JSON
// at the end, and the images are assembled from manifest.json (or index.json) once all is read.
// Nothing is tagged unless every layer of the image was ingested and matched its config.

import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { isDigest, type Digest } from '../digest/digest.js'
import { readTar } from '../tar/index.js'
import { chainIdOf, ingestTar, normalizeEntryPath, type IngestResult, type LayerRecord } from '../layer/index.js'
import { gcLease } from '../_lock.js'
import { concatBytes } from '../_bytes.js'
import { putImageBytes } from './create.js'
import { MediaTypes, type ImageConfig, type ImageIndex, type Manifest } from './model.js'
import { parseTag } from './reference.js'

const SMALL = 16 << 20

interface Item {
  /** Digest of the file's bytes as stored in the archive. */
  digest: Digest
  layer?: IngestResult
  bytes?: Uint8Array
}

function invalid(msg: string): StoreError {
  return new StoreError(Codes.ARCHIVE_INVALID, msg, { exit: 1 })
}

export async function loadImages(store: Store, src: AsyncIterable<Uint8Array>): Promise<{ id: Digest; tags: string[] }[]> {
  const release = await gcLease(store.layout)
  try {
    const items = await readArchive(store, src)
    return await assemble(store, items)
  } finally {
    await release()
  }
}

async function readArchive(store: Store, src: AsyncIterable<Uint8Array>): Promise<Map<string, Item>> {
  const items = new Map<string, Item>()
  const links = new Map<string, string>()
  for await (const e of readTar(gunzipIfNeeded(src))) {
    const path = normalizeEntryPath(e.header.name, 'archive entry')
    if (e.header.type === 'symlink' || e.header.type === 'hardlink') {
      // Old archives link duplicate layers: <id>/layer.tar -> ../<other>/layer.tar.
      const base = e.header.type === 'symlink' ? path.split('/').slice(0, -1) : []
      links.set(path, resolveInArchive(base, e.header.linkname))
      continue
    }
    if (e.header.type !== 'file') continue
    items.set(path, await readItem(store, e.body, e.header.size))
  }
  for (const [from, to] of links) {
    const target = items.get(to)
    if (target) items.set(from, target)
  }
  return items
}

/** Hash the raw bytes; ingest tar/gzip content as a layer, keep small JSON-ish files in memory. */
async function readItem(store: Store, body: AsyncIterable<Uint8Array>, size: number): Promise<Item> {
  const hasher = store.hash.create()
  const it = body[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let headLen = 0
  // Look at the first 512 bytes to decide: gzip magic, ustar magic, or an all-zero (empty) tar.
  while (headLen < Math.min(512, size)) {
    const n = await it.next()
    if (n.done) break
    head.push(n.value)
    headLen += n.value.length
  }
  const first = concatBytes(head)
  const isGzip = first[0] === 0x1f && first[1] === 0x8b
  const isTar = size >= 1024 && size % 512 === 0 && (ascii(first, 257, 5) === 'ustar' || first.subarray(0, 512).every((b) => b === 0))
  async function* all(): AsyncGenerator<Uint8Array> {
    if (first.length) {
      hasher.update(first)
      yield first
    }
    for (;;) {
      const n = await it.next()
      if (n.done) return
      hasher.update(n.value)
      yield n.value
    }
  }
  if (isGzip || isTar) {
    const layer = await ingestTar({ cas: store.cas, hash: store.hash, chunker: store.chunker }, all())
    return { digest: hasher.digest(), layer }
  }
  if (size > SMALL) {
    for await (const _ of all()) {
      // neither a layer nor metadata we read: hash and drop it
    }
    return { digest: hasher.digest() }
  }
  const parts: Uint8Array[] = []
  for await (const b of all()) parts.push(b)
  return { digest: hasher.digest(), bytes: concatBytes(parts) }
}

async function assemble(store: Store, items: Map<string, Item>) {
  const json = (path: string): any => {
    const it = items.get(path)
    if (!it?.bytes) throw invalid(`archive is missing ${path}`)
    try {
      return JSON.parse(new TextDecoder().decode(it.bytes))
    } catch {
      throw invalid(`${path} in the archive is not valid JSON`)
    }
  }
  const byDigest = (d: string): string => {
    if (!isDigest(d)) throw invalid(`invalid digest in archive: ${d}`)
    return `blobs/sha256/${d.slice(7)}`
  }
  // Each image: config path, layer paths, tags.
  const plan: { config: string; layers: string[]; tags: string[] }[] = []
  if (items.has('manifest.json')) {
    const m = json('manifest.json')
    if (!Array.isArray(m)) throw invalid('manifest.json in the archive is not a list')
    for (const e of m) {
      if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw invalid('manifest.json entry without Config or Layers')
      plan.push({ config: e.Config, layers: e.Layers, tags: Array.isArray(e.RepoTags) ? e.RepoTags : [] })
    }
  } else if (items.has('index.json')) {
    const walk = (desc: any, tags: string[]) => {
      if (desc.mediaType === MediaTypes.ociIndex || desc.mediaType === MediaTypes.dockerManifestList) {
        for (const d of (json(byDigest(desc.digest)) as ImageIndex).manifests) walk(d, tags)
        return
      }
      const m = json(byDigest(desc.digest)) as Manifest
      plan.push({ config: byDigest(m.config.digest), layers: m.layers.map((l) => byDigest(l.digest)), tags })
    }
    for (const d of (json('index.json') as ImageIndex).manifests) {
      const name = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name']
      walk(d, name && name.includes(':') ? [name.replace(/^docker\.io\/(library\/)?/, '')] : [])
    }
  } else {
    throw invalid('archive has neither manifest.json nor index.json')
  }

  const out: { id: Digest; tags: string[] }[] = []
  for (const p of plan) {
    const cfgItem = items.get(p.config)
    if (!cfgItem?.bytes) throw invalid(`archive is missing the image config ${p.config}`)
    const config = json(p.config) as ImageConfig
    const diffIds = config?.rootfs?.diff_ids
    if (!Array.isArray(diffIds) || diffIds.length !== p.layers.length) {
      throw invalid(`image config ${p.config} lists ${diffIds?.length ?? 0} layers, the manifest ${p.layers.length}`)
    }
    let parent: Digest | null = null
    for (let i = 0; i < p.layers.length; i++) {
      const it = items.get(p.layers[i])
      if (!it?.layer) throw invalid(`archive is missing the layer ${p.layers[i]}`)
      if (it.layer.diffId !== diffIds[i]) {
        throw invalid(`layer ${p.layers[i]} has diffID ${it.layer.diffId}, the image config expects ${diffIds[i]}`)
      }
      const rec: LayerRecord = {
        chainId: chainIdOf(store.hash, parent, it.layer.diffId), diffId: it.layer.diffId, parent,
        size: it.layer.size, index: it.layer.index, contentSize: it.layer.contentSize, entries: it.layer.entries,
        created: store.now().toISOString(),
      }
      await store.layers.put(rec)
      parent = rec.chainId
    }
    // Keep the config bytes exactly: the image ID is their digest.
    const tags = p.tags.map(parseTag)
    const id = await putImageBytes(store, cfgItem.bytes, config, { tags })
    out.push({ id, tags })
  }
  return out
}

async function* gunzipIfNeeded(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { createGunzip } = await import('node:zlib')
  const { Readable } = await import('node:stream')
  const it = src[Symbol.asyncIterator]()
  const first = await it.next()
  if (first.done) throw invalid('archive is empty')
  async function* rest() {
    yield first.value
    for (;;) {
      const n = await it.next()
      if (n.done) return
      yield n.value
    }
  }
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) return yield* rest()
  try {
    for await (const b of Readable.from(rest()).pipe(createGunzip())) yield b as Uint8Array
  } catch (e) {
    throw new StoreError(Codes.GZIP_INVALID, `invalid gzip stream: ${(e as Error).message}`, { cause: e, exit: 1 })
  }
}


const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n))

/** Resolve a link target relative to `dir` inside the archive; never above its root. */
function resolveInArchive(dir: string[], target: string): string {
  const out = target.startsWith('/') ? [] : [...dir]
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue
    if (p === '..') {
      if (out.length === 0) throw invalid(`archive link target "${target}" points outside the archive`)
      out.pop()
    } else out.push(p)
  }
  return out.join('/')
}
