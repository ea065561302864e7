// The content store over one layout, hash backend and codec. Operations live one per file
// (put, putStream, read, maintain); this wires them to the ContentStore contract.

import { cleanIngest, remove, walk } from './maintain.js'
import { put } from './put.js'
import { putStream } from './putStream.js'
import { get, getStream, has, stat } from './readBlob.js'
import type { CasContext, ContentStoreOptions } from './_context.js'
import type { ChunkBatch, ContentStore } from './types.js'

/**
 * Chunks go through worker threads when the codec is node:zlib (workers compress with the same
 * encoding and parameters as the codec), durable together at commit; the portable fflate codec keeps the in-process put(),
 * each put durable on its own.
 */
function chunkBatch(ctx: CasContext): ChunkBatch {
  if (ctx.codec.name !== 'zlib' || process.env.STORE_CHUNK_WORKERS === '0') {
    return { put: (data) => put(ctx, data), commit: async () => {}, abort: async () => {} }
  }
  const batch = import('./_putWorkers.js').then((m) => new m.ChunkBatch(ctx.layout.blobsDir, ctx.layout.ingestDir, ctx.codec.encoding))
  return {
    put: async (data) => (await batch).put(data),
    commit: async () => (await batch).commit(),
    abort: async () => (await batch).abort(),
  }
}

export type { ContentStoreOptions } from './_context.js'

export function createContentStore(opts: ContentStoreOptions): ContentStore {
  const ctx: CasContext = { layout: opts.layout, hash: opts.hash, codec: opts.codec, shards: new Set(), inflight: new Map() }
  return {
    put: (data, o) => put(ctx, data, o),
    chunkBatch: () => chunkBatch(ctx),
    putStream: (src, o) => putStream(ctx, src, o),
    get: (d) => get(ctx, d),
    getStream: (d) => getStream(ctx, d),
    has: (d) => has(ctx, d),
    stat: (d) => stat(ctx, d),
    walk: () => walk(ctx),
    delete: (d) => remove(ctx, d),
    cleanIngest: (olderThanMs) => cleanIngest(ctx, olderThanMs),
  }
}
