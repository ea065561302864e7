// Putting layers and images into the store: the one path every image takes (import, load,
// commit, build), so records, configs and tags are always written the same way, in the same
// order: chunks -> index -> layer record -> config blob -> image record -> tags.

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { chainIdOf, ingestTar, type IngestResult, type LayerRecord } from '../layer/index.js'
import { encodeConfig, MediaTypes, type ImageConfig, type Manifest } from './model.js'

export interface AddedLayer {
  record: LayerRecord
  stats: IngestResult
}

/** Ingest a tar stream as a layer on top of `parent` (a chainID, or null for a base layer). */
export async function addLayer(store: Store, parent: Digest | null, tar: AsyncIterable<Uint8Array>): Promise<AddedLayer> {
  return recordLayer(store, parent, await ingestTar(ingestDeps(store), tar))
}

/** What ingest needs of the store. */
export const ingestDeps = (store: Store) => ({ cas: store.cas, hash: store.hash, chunker: store.chunker, workers: store.workers })

/** The record of an ingested layer on top of `parent`. */
export async function recordLayer<T extends IngestResult>(store: Store, parent: Digest | null, stats: T): Promise<{ record: LayerRecord; stats: T }> {
  const record: LayerRecord = {
    chainId: chainIdOf(store.hash, parent, stats.diffId),
    diffId: stats.diffId,
    parent,
    size: stats.size,
    index: stats.index,
    contentSize: stats.contentSize,
    entries: stats.entries,
    created: store.now().toISOString(),
  }
  await store.layers.put(record)
  return { record, stats }
}

/** Store a config as an image; returns its ID. Layers must already be in the store. */
export async function putImage(store: Store, config: ImageConfig, opts: { parent?: Digest; tags?: string[] } = {}): Promise<Digest> {
  return putImageBytes(store, encodeConfig(config), config, opts)
}

/** As putImage, keeping config bytes exactly as given (load: the ID is the digest of the original). */
export async function putImageBytes(
  store: Store,
  bytes: Uint8Array,
  config: ImageConfig,
  opts: { parent?: Digest; tags?: string[] } = {},
): Promise<Digest> {
  const { digest: id } = await store.cas.put(bytes, { compress: false })
  const manifest = await manifestOf(store, config, id, bytes.length)
  const m = await store.cas.put(new TextEncoder().encode(JSON.stringify(manifest)), { compress: false })
  // Record and tags in one section: an rmi of the same image cannot fall between them.
  await store.images.add({ id, added: store.now().toISOString(), parent: opts.parent, manifestDigest: m.digest }, opts.tags ?? [])
  return id
}

export async function getConfig(store: Store, id: Digest): Promise<ImageConfig> {
  return JSON.parse(new TextDecoder().decode(await store.cas.get(id))) as ImageConfig
}

/** Layer records of an image, base first. */
export async function imageLayers(store: Store, config: ImageConfig): Promise<LayerRecord[]> {
  const out: LayerRecord[] = []
  let parent: Digest | null = null
  for (const d of config.rootfs.diff_ids) {
    const chain = chainIdOf(store.hash, parent, d)
    out.push(await store.layers.require(chain))
    parent = chain
  }
  return out
}

/** The OCI manifest of an image with uncompressed layers (as `docker save` ≥ 25 writes). */
export async function manifestOf(store: Store, config: ImageConfig, id: Digest, configSize: number): Promise<Manifest> {
  const layers = await imageLayers(store, config)
  return {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: id, size: configSize },
    layers: layers.map((l) => ({ mediaType: MediaTypes.ociLayer, digest: l.diffId, size: l.size })),
  }
}
