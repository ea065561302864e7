// The lock API under its old path, so call sites in every folder keep one import.
// The implementation (and the lock order) lives in lib/lock/.

export * from './lock/index.js'
