// Inter-process locks on one store root, without a daemon: exclusive locks for short
// read-modify-write sections, and the gc readers/writer lock (leases). The order they are
// taken in is in _order.ts; how a lock file is made and taken over is in _files.ts.

export { LOCK_TIMEOUT_MS, lockExclusive, withLock, type LockOptions, type Release } from './exclusive.js'
export { gcLease, leasesDir, lockGc, withGc } from './lease.js'
export { heldLocks } from './_order.js'
export { orphaned, processStart } from './_process.js'
