// What a `store load` archive says it holds: for each image, its config, layers and tags, read
// from manifest.json (docker save) or index.json (an OCI layout), checked as hostile input: every
// field has the type it must have, every digest is a digest, every descriptor's size and digest
// match the member it names, an index may nest but not loop and not deeper than MAX_DEPTH.

import { isDigest } from '../digest/digest.js'
import { MediaTypes } from './model.js'
import { formatPlatform, hostPlatform, namesPlatform } from '../platform.js'
import { invalid, type ArchiveItem } from './_loadArchive.js'

/** Nested indexes (an index of indexes of manifests) deeper than this are refused. */
const MAX_DEPTH = 8
/** Images and layers an archive may describe. */
const MAX_IMAGES = 10_000
const MAX_LAYERS = 1_000

export interface LoadPlan {
  config: string
  layers: string[]
  tags: string[]
}

export function planLoad(items: Map<string, ArchiveItem>): LoadPlan[] {
  const json = (path: string): unknown => {
    const it = items.get(path)
    if (!it) throw invalid(`archive is missing ${path}`)
    if (!it.bytes) throw invalid(`${path} in the archive is not a JSON document${it.size > 0 ? ` (${it.size} bytes)` : ''}`)
    try {
      return JSON.parse(new TextDecoder().decode(it.bytes))
    } catch {
      throw invalid(`${path} in the archive is not valid JSON`)
    }
  }
  const plan: LoadPlan[] = []
  const add = (p: LoadPlan) => {
    if (plan.length >= MAX_IMAGES) throw invalid(`archive describes more than ${MAX_IMAGES} images`)
    if (p.layers.length > MAX_LAYERS) throw invalid(`image ${p.config} has ${p.layers.length} layers (at most ${MAX_LAYERS})`)
    plan.push(p)
  }
  if (items.has('manifest.json')) {
    const m = json('manifest.json')
    if (!Array.isArray(m)) throw invalid('manifest.json in the archive is not a list')
    for (const [i, e] of m.entries()) {
      const where = `manifest.json entry ${i}`
      add({ config: str(obj(e, where).Config, `${where}: Config`), layers: strs(e.Layers, `${where}: Layers`), tags: e.RepoTags == null ? [] : strs(e.RepoTags, `${where}: RepoTags`) })
    }
    return plan
  }
  if (!items.has('index.json')) throw invalid('archive has neither manifest.json nor index.json')
  const blob = (desc: unknown, where: string): string => {
    const d = obj(desc, where)
    const digest = str(d.digest, `${where}: digest`)
    if (!isDigest(digest)) throw invalid(`${where}: invalid digest ${JSON.stringify(digest)}`)
    const path = `blobs/sha256/${digest.slice(7)}`
    const it = items.get(path)
    if (it && it.digest !== digest) throw invalid(`${where}: ${path} has content ${it.digest}`)
    if (it && d.size !== undefined && d.size !== it.size) throw invalid(`${where}: size ${String(d.size)} does not match ${path} (${it.size} bytes)`)
    return path
  }
  const walk = (desc: unknown, tags: string[], depth: number, seen: Set<string>, where: string): void => {
    const path = blob(desc, where)
    if (seen.has(path)) throw invalid(`${where}: index ${path} contains itself`)
    if (depth > MAX_DEPTH) throw invalid(`${where}: indexes nested deeper than ${MAX_DEPTH}`)
    const mediaType = (desc as { mediaType?: unknown }).mediaType
    const doc = obj(json(path), path)
    if (mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList) {
      const inner = new Set(seen).add(path)
      const entries = arr(doc.manifests, `${path}: manifests`).map((d, i) => ({ d: obj(d, `${path}: manifests[${i}]`), i }))
      // A multi-platform index: the host's entry only (as `docker load` and pull take it; the
      // others' blobs need not be in the archive), or Docker's error when it has none.
      const platformed = entries.filter((e) => e.d.platform != null)
      const chosen = platformed.length === 0 ? entries : entries.filter((e) => e.d.platform == null || isHost(e.d.platform))
      if (platformed.length > 0 && !chosen.some((e) => e.d.platform != null)) throw invalid(`no matching manifest for ${host} in the manifest list entries`)
      for (const e of chosen) walk(e.d, tags, depth + 1, inner, `${path}: manifests[${e.i}]`)
      return
    }
    add({
      config: blob(doc.config, `${path}: config`),
      layers: arr(doc.layers, `${path}: layers`).map((l, i) => blob(l, `${path}: layers[${i}]`)),
      tags,
    })
  }
  const index = obj(json('index.json'), 'index.json')
  arr(index.manifests, 'index.json: manifests').forEach((d, i) => {
    const ann = obj(d, `index.json: manifests[${i}]`).annotations as Record<string, unknown> | undefined
    const name = ann?.['io.containerd.image.name'] ?? ann?.['org.opencontainers.image.ref.name']
    const tags = typeof name === 'string' && name.includes(':') ? [name.replace(/^docker\.io\/(library\/)?/, '')] : []
    walk(d, tags, 1, new Set(), `index.json: manifests[${i}]`)
  })
  return plan
}

const host = formatPlatform(hostPlatform())

const isHost = (p: { os?: unknown; architecture?: unknown; variant?: unknown }) =>
  typeof p.os === 'string' && typeof p.architecture === 'string' && namesPlatform(host, { os: p.os, arch: p.architecture, variant: typeof p.variant === 'string' ? p.variant : undefined })

function obj(v: unknown, where: string): Record<string, any> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${where} is not an object`)
  return v as Record<string, any>
}

function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(`${where} is not a list`)
  return v
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw invalid(`${where} is not a string`)
  return v
}

function strs(v: unknown, where: string): string[] {
  return arr(v, where).map((x, i) => str(x, `${where}[${i}]`))
}
