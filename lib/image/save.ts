// `store save`: the Docker ≥ 25 archive: an OCI image layout (oci-layout, index.json,
// blobs/sha256/...) plus Docker's manifest.json and repositories, layers uncompressed and
// named by their diffID (`--format oci`: the OCI layout alone). Streamed: each layer's tar is
// rebuilt from its chunks as it is written, into the archive or as files of a layout folder.

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { writeTar, type TarHeader, type TarWriteEntry } from '../tar/index.js'
import { layerTar, loadIndex } from '../layer/index.js'
import { getConfig, imageLayers } from './create.js'
import { MediaTypes, type Descriptor, type ImageIndex, type Manifest } from './model.js'
import { splitTagged } from '../reference.js'

export interface SaveItem {
  id: Digest
  /** Tags to record (name:tag), empty for an image saved by ID. */
  tags: string[]
}

function header(name: string, size: number, type: 'file' | 'dir' = 'file'): TarHeader {
  return { name, type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, uname: '', gname: '', size, mtime: 0, linkname: '', devmajor: 0, devminor: 0, xattrs: {} }
}

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))

/** docker: the OCI layout with Docker's manifest.json and repositories (what Docker 25+ writes); oci: the layout alone. */
export type SaveFormat = 'docker' | 'oci'

export async function* saveImages(store: Store, items: SaveItem[], format: SaveFormat = 'docker'): AsyncGenerator<Uint8Array> {
  yield* writeTar(saveEntries(store, items, format))
}

/** The archive's entries, in order (a folder's files are these too). */
export async function* saveEntries(store: Store, items: SaveItem[], format: SaveFormat = 'docker'): AsyncGenerator<TarWriteEntry> {
  const written = new Set<string>()
  const indexManifests: Descriptor[] = []
  const dockerManifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = []
  const repositories: Record<string, Record<string, string>> = {}

  yield { header: header('blobs/', 0, 'dir') }
  yield { header: header('blobs/sha256/', 0, 'dir') }
  const blob = function* (d: Digest, bytes: Uint8Array) {
    if (written.has(d)) return
    written.add(d)
    yield { header: header(`blobs/sha256/${d.slice(7)}`, bytes.length), body: bytes }
  }

  for (const item of items) {
    const configBytes = await store.cas.get(item.id)
    const config = await getConfig(store, item.id)
    const layers = await imageLayers(store, config)
    for (const l of layers) {
      if (written.has(l.diffId)) continue
      written.add(l.diffId)
      const ix = await loadIndex(store.cas, l.index)
      yield { header: header(`blobs/sha256/${l.diffId.slice(7)}`, l.size), body: layerTar(store.cas, ix) }
    }
    yield* blob(item.id, configBytes)
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: item.id, size: configBytes.length },
      layers: layers.map((l) => ({ mediaType: MediaTypes.ociLayer, digest: l.diffId, size: l.size })),
    }
    const mBytes = enc(manifest)
    const mDigest = store.hash.sha256(mBytes)
    yield* blob(mDigest, mBytes)
    const tags = item.tags.length > 0 ? item.tags : [undefined]
    for (const t of tags) {
      const d: Descriptor = { mediaType: MediaTypes.ociManifest, digest: mDigest, size: mBytes.length }
      if (t) {
        const { repository, tag } = splitTagged(t)
        d.annotations = { 'io.containerd.image.name': fullName(t), 'org.opencontainers.image.ref.name': tag }
        ;(repositories[repository] ??= {})[tag] = layers.length > 0 ? layers[layers.length - 1].diffId.slice(7) : ''
      }
      indexManifests.push(d)
    }
    dockerManifest.push({
      Config: `blobs/sha256/${item.id.slice(7)}`,
      RepoTags: item.tags.length > 0 ? item.tags : null,
      Layers: layers.map((l) => `blobs/sha256/${l.diffId.slice(7)}`),
    })
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: indexManifests }
  const files: [string, Uint8Array][] = [
    ['index.json', enc(index)],
    ...(format === 'docker' ? [['manifest.json', enc(dockerManifest)] as [string, Uint8Array]] : []),
    ['oci-layout', enc({ imageLayoutVersion: '1.0.0' })],
  ]
  if (format === 'docker' && Object.keys(repositories).length > 0) files.push(['repositories', enc(repositories)])
  for (const [name, bytes] of files) yield { header: header(name, bytes.length), body: bytes }
}

/** containerd's full name: docker.io/library/busybox:latest. */
function fullName(t: string): string {
  const first = t.split('/')[0]
  const hasDomain = t.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  if (hasDomain) return t
  return t.includes('/') ? `docker.io/${t}` : `docker.io/library/${t}`
}
