// Snapshots and the file pool: a layer extracted once for the drivers, its files' content
// shared through the pool (types.ts has the vocabulary and the forms).
export type { PoolRef, SharingMethod, SharingProbe } from './types.js'
export { SHARING_ORDER, isSharingMethod } from './types.js'
export { ensureSnapshots, touchSnapshots, type EnsuredSnapshots, type SnapshotOptions } from './ensure.js'
export { commitSnapshot, discardCommit, startCommit, type CommitResult, type CommitStart } from './commit.js'
export { WritableFiles, type WritableLayer } from './_writable.js'
export { dropSnapshot, sweepPool, type PoolSweep } from './sweep.js'
export { snapshotUsage, freedBy, type SnapshotUsage } from './usage.js'
export { evictToBudget, parseBudget, readBudget, recordBudget, type EvictStats } from './budget.js'
