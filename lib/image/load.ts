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

/**
 * Every image of the plan checked first (its config, its layers against the config, its tags),
 * then the records written: a bad image anywhere in the archive leaves no record and no tag of
 * another (a bad second tag had left the first image tagged).
 */
async function assemble(store: Store, items: Map<string, ArchiveItem>, plan: LoadPlan[]) {
  const checked = plan.map((p) => check(items, p))
  const out: { id: Digest; tags: string[] }[] = []
  for (const { cfgBytes, config, layers, tags } of checked) {
    let parent: Digest | null = null
    for (const l of layers) {
      const rec: LayerRecord = {
        chainId: chainIdOf(store.hash, parent, l.diffId), diffId: l.diffId, parent,
        size: l.size, index: l.index, contentSize: l.contentSize, entries: l.entries,
        created: store.now().toISOString(),
      }
      await store.layers.put(rec)
      parent = rec.chainId
    }
    // Keep the config bytes exactly: the image ID is their digest.
    const imageId = await putImageBytes(store, cfgBytes, config, { tags })
    out.push({ id: imageId, tags })
  }
  return out
}

/** One image of the plan, checked whole: what assemble() writes for it. */
function check(items: Map<string, ArchiveItem>, p: LoadPlan) {
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
  const layers = p.layers.map((name, i) => {
    const it = items.get(name)
    if (!it) throw invalid(`archive is missing the layer ${name}`)
    if (!it.layer) throw invalid(`layer ${name} in the archive is not a tar${it.notLayer ? `: ${it.notLayer}` : ''}`)
    if (it.layer.diffId !== diffIds[i]) throw invalid(`layer ${name} has diffID ${it.layer.diffId}, the image config expects ${String(diffIds[i])}`)
    return it.layer
  })
  return { cfgBytes: cfgItem.bytes, config, layers, tags: p.tags.map(parseTag) }
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

