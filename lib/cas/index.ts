// The content store: immutable blobs by SHA-256 of their uncompressed bytes. See types.ts.

export { createContentStore, type ContentStoreOptions } from './createContentStore.js'
export type { BlobStat, CasProblem, ChunkBatch, ContentStore, PutOptions, PutResult, StoreUsage, SweepStats, VerifyStats } from './types.js'
