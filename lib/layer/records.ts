// Layer records: layers/<chainID>.json names a layer in its chain (parent + diffID) and points
// at its index blob. Identities follow OCI: chainID(L0) = diffID(L0),
// chainID(Ln) = sha256("<chainID(Ln-1)> <diffID(Ln)>").

import { readdir, rm } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import { digestFromHex, isDigest, type Digest } from '../digest/digest.js'
import type { HashBackend } from '../digest/types.js'
import type { Layout } from '../layout.js'
import { readJson, writeFileAtomic } from '../_fs.js'

export interface LayerRecord {
  chainId: Digest
  diffId: Digest
  parent: Digest | null
  /** Bytes of the uncompressed tar. */
  size: number
  /** Digest of the index blob. */
  index: Digest
  /** Bytes of file content in the layer. */
  contentSize: number
  entries: number
  created: string
}

export function chainIdOf(hash: HashBackend, parent: Digest | null, diffId: Digest): Digest {
  if (parent === null) return diffId
  return hash.sha256(new TextEncoder().encode(`${parent} ${diffId}`))
}

export function chainIds(hash: HashBackend, diffIds: Digest[]): Digest[] {
  const out: Digest[] = []
  let parent: Digest | null = null
  for (const d of diffIds) {
    parent = chainIdOf(hash, parent, d)
    out.push(parent)
  }
  return out
}

export function createLayerRecords(layout: Layout): LayerRecords {
  return {
    async get(chainId: Digest): Promise<LayerRecord | undefined> {
      return readJson<LayerRecord>(layout.layer(chainId))
    },
    async require(chainId: Digest): Promise<LayerRecord> {
      const r = await readJson<LayerRecord>(layout.layer(chainId))
      if (!r) throw new StoreError(Codes.LAYER_NOT_FOUND, `layer ${chainId} not found`, { data: { chainId } })
      return r
    },
    /** Writes the record unless one exists (records are immutable: same chainID, same layer). */
    async put(rec: LayerRecord): Promise<void> {
      if (await readJson(layout.layer(rec.chainId))) return
      await writeFileAtomic(layout.layer(rec.chainId), JSON.stringify(rec))
    },
    async list(): Promise<LayerRecord[]> {
      const names = await readdir(layout.layersDir).catch(() => [] as string[])
      const out: LayerRecord[] = []
      for (const n of names) {
        if (!n.endsWith('.json')) continue
        const hex = n.slice(0, -5)
        if (!isDigest(`sha256:${hex}`)) continue
        const r = await readJson<LayerRecord>(layout.layer(digestFromHex(hex)))
        if (r) out.push(r)
      }
      return out
    },
    async delete(chainId: Digest): Promise<void> {
      await rm(layout.layer(chainId), { force: true })
    },
  }
}

/** Layer records of one store, by chain ID (see createLayerRecords()). */
export interface LayerRecords {
  get(chainId: Digest): Promise<LayerRecord | undefined>
  require(chainId: Digest): Promise<LayerRecord>
  /** Writes the record unless one exists (records are immutable: same chainID, same layer). */
  put(rec: LayerRecord): Promise<void>
  list(): Promise<LayerRecord[]>
  delete(chainId: Digest): Promise<void>
}
