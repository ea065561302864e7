// The content store over one layout, hash backend and codec. Operations live one per file
// (put, putStream, chunkBatch, read, walk, maintain, and the jobs gc, fsck and df call);
// this wires them to the ContentStore contract.

import { PackedBatch } from './chunkBatch.js'
import { getMany } from './getMany.js'
import { cleanIngest, remove } from './maintain.js'
import { put } from './put.js'
import { putStream } from './putStream.js'
import { get, getStream, has, stat } from './readBlob.js'
import { reclaimable, sweep } from './sweep.js'
import { usage } from './usage.js'
import { verify } from './verify.js'
import { walk } from './walk.js'
import { PackSet } from './_packSet.js'
import { deltaBases } from './_deltas.js'
import type { CasContext, ContentStoreOptions } from './_context.js'
import type { ContentStore } from './types.js'

export type { ContentStoreOptions } from './_context.js'

export function createContentStore(opts: ContentStoreOptions): ContentStore {
  const sha256 = (b: Uint8Array) => Buffer.from(opts.hash.sha256(b).slice(7), 'hex')
  const ctx = { ...opts, shards: new Set(), inflight: new Map(), packs: new PackSet(opts.layout, sha256) } as CasContext
  ctx.bases = deltaBases(ctx)
  return {
    put: (data, o) => put(ctx, data, o),
    chunkBatch: (o) => new PackedBatch(ctx, o),
    putStream: (src, o) => putStream(ctx, src, o),
    get: (d) => get(ctx, d),
    getStream: (d) => getStream(ctx, d),
    getMany: (ds) => getMany(ctx, ds),
    has: (d) => has(ctx, d),
    stat: (d) => stat(ctx, d),
    walk: () => walk(ctx),
    delete: (d) => remove(ctx, d),
    cleanIngest: (olderThanMs) => cleanIngest(ctx, olderThanMs),
    usage: () => usage(ctx),
    verify: (onProgress) => verify(ctx, onProgress),
    sweep: (live) => sweep(ctx, live),
    reclaimable: (live) => reclaimable(ctx, live),
  }
}
