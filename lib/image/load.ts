// `store load`: Docker archives (≥ 25: OCI layout + manifest.json; older: <id>/layer.tar) and
// plain OCI image layouts in a tar. The archive is read once, as a stream (_loadArchive.ts:
// layers ingested as they pass, small JSON kept, every blob's digest checked), then what it
// describes is checked (_loadPlan.ts) and the images are assembled. Nothing is tagged unless
// every layer of the image was ingested and matched its config.

import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { chainIdOf, type LayerRecord } from '../layer/index.js'
import { gcLease } from '../_lock.js'
import { putImageBytes } from './create.js'
import type { ImageConfig } from './model.js'
import { parseTag } from '../reference.js'
import { invalid, readArchive, type ArchiveItem } from './_loadArchive.js'
import { planLoad, type LoadPlan } from './_loadPlan.js'

export async function loadImages(store: Store, src: AsyncIterable<Uint8Array>): Promise<{ id: Digest; tags: string[] }[]> {
  const release = await gcLease(store.layout)
  try {
    const items = await readArchive(store, gunzipIfNeeded(src))
    return await assemble(store, items, planLoad(items))
  } finally {
    await release()
  }
}

async function assemble(store: Store, items: Map<string, ArchiveItem>, plan: LoadPlan[]) {
  const out: { id: Digest; tags: string[] }[] = []
  for (const p of plan) {
    const cfgItem = items.get(p.config)
    if (!cfgItem) throw invalid(`archive is missing the image config ${p.config}`)
    if (!cfgItem.bytes) throw invalid(`${p.config} in the archive is not a JSON document (${cfgItem.size} bytes)`)
    // An old archive names the config <id>.json: the ID is the digest of its bytes.
    const id = /^([0-9a-f]{64})\.json$/.exec(p.config)?.[1]
    if (id && cfgItem.digest !== `sha256:${id}`) throw invalid(`image config ${p.config} does not match its digest: its content is ${cfgItem.digest}`)
    let config: ImageConfig
    try {
      config = JSON.parse(new TextDecoder().decode(cfgItem.bytes))
    } catch {
      throw invalid(`image config ${p.config} is not valid JSON`)
    }
    const diffIds: unknown = config?.rootfs?.diff_ids
    if (!Array.isArray(diffIds) || diffIds.length !== p.layers.length) {
      throw invalid(`image config ${p.config} lists ${Array.isArray(diffIds) ? diffIds.length : 0} layers, the manifest ${p.layers.length}`)
    }
    let parent: Digest | null = null
    for (let i = 0; i < p.layers.length; i++) {
      const it = items.get(p.layers[i])
      if (!it) throw invalid(`archive is missing the layer ${p.layers[i]}`)
      if (!it.layer) throw invalid(`layer ${p.layers[i]} in the archive is not a tar${it.notLayer ? `: ${it.notLayer}` : ''}`)
      if (it.layer.diffId !== diffIds[i]) {
        throw invalid(`layer ${p.layers[i]} has diffID ${it.layer.diffId}, the image config expects ${String(diffIds[i])}`)
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
    const imageId = await putImageBytes(store, cfgItem.bytes, config, { tags })
    out.push({ id: imageId, tags })
  }
  return out
}

async function* gunzipIfNeeded(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { createGunzip } = await import('node:zlib')
  const { Readable, pipeline } = await import('node:stream')
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
    // pipeline, not pipe: an error of the source reaches the gunzip stream (and us) instead of
    // being an unhandled 'error' event.
    for await (const b of pipeline(Readable.from(rest()), createGunzip(), () => {})) yield b as Uint8Array
  } catch (e) {
    throw new StoreError(Codes.GZIP_INVALID, `invalid gzip stream: ${(e as Error).message}`, { cause: e })
  }
}

