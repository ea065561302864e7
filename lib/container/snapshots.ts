// Snapshots as containers and builds use them: built in the store's form (driver.json), each
// use recorded (the map's mtime, what the budget evicts by), and the budget kept when the work
// is done. Keeping the budget takes the gc lock, which waits for every other operation in
// flight: it is only tried (~20 ms), after the command's own lease is released; a busy store is
// brought under its budget by the next command that finds it idle, or by `system prune`.
// A writable layer committed as a layer becomes its snapshot directly (commitStoreSnapshot).
// Extractions are told to whoever observes them in the calling chain (a build's progress view,
// which shows them on the step that paid for them, as BuildKit's "extracting" lines).

import { AsyncLocalStorage } from 'node:async_hooks'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import type { LayerRecord } from '../layer/index.js'
import { commitSnapshot, discardCommit, startCommit, ensureSnapshots, evictToBudget, readBudget, touchSnapshots, type CommitResult, type CommitStart, type EnsuredSnapshots, type EvictStats, type WritableFiles } from '../snapshot/index.js'
import { withGc } from '../_lock.js'
import { isStoreError, Codes } from '../errors.js'
import { driverChoice } from './_driver.js'
import { containerLowers, listContainers } from './records.js'

/** Stores where this process built a snapshot since the budget was last kept. */
const grown = new WeakSet<Store>()

/** Told of each snapshot extracted from a layer's blobs, with the milliseconds it took. */
export type ExtractionObserver = (layer: LayerRecord, ms: number) => void

const observers = new AsyncLocalStorage<ExtractionObserver>()

/** Runs `fn`; snapshots extracted anywhere in its call chain are told to `observer`. */
export function observeExtractions<T>(observer: ExtractionObserver, fn: () => Promise<T>): Promise<T> {
  return observers.run(observer, fn)
}

/** The chain's snapshot dirs, base first (built where missing), their use recorded. */
export async function storeSnapshots(store: Store, layers: LayerRecord[]): Promise<EnsuredSnapshots> {
  const { sharing } = await driverChoice(store)
  const r = await ensureSnapshots(store.cas, store.layout, layers, { form: sharing.method, onExtracted: observers.getStore() })
  await touchSnapshots(store.layout, layers.map((l) => l.chainId), store.now())
  if (r.built.length > 0) grown.add(store)
  return r
}

/**
 * The snapshot of `layers`' top layer, made from the writable layer it was just ingested from
 * (`files`, scanned before its tar was read), in the store's form. 'changed': a file changed
 * meanwhile, and the snapshot will be extracted when first used.
 */
export async function commitStoreSnapshot(store: Store, layers: LayerRecord[], files: WritableFiles, started?: CommitStart): Promise<CommitResult> {
  const { sharing } = await driverChoice(store)
  const r = await commitSnapshot(store.cas, store.layout, layers, files, { form: sharing.method, started })
  if (r === 'committed') grown.add(store)
  return r
}

/**
 * The commit of a layer over `below` begun before the layer is ingested (the data-only form
 * copies the tree below meanwhile); give it to commitStoreSnapshot, or to discardStoreCommit.
 */
export async function startStoreCommit(store: Store, below: LayerRecord[]): Promise<CommitStart | undefined> {
  const { sharing } = await driverChoice(store)
  return startCommit(store.layout, below, sharing.method)
}

export const discardStoreCommit = discardCommit

/** The snapshots every container stacks (a data-only chain: its one tree): never dropped. */
export async function containerLayers(store: Store): Promise<Set<Digest>> {
  const out = new Set<Digest>()
  for (const c of await listContainers(store)) {
    for (const dir of containerLowers(store, c).slice(1)) out.add(`sha256:${dir.slice(dir.lastIndexOf('/') + 1)}` as Digest)
  }
  return out
}


/**
 * After a command that built snapshots (or was given a budget): drop unused ones, least recently
 * used first, until the budget holds. Undefined when there is no budget, nothing grew, or the
 * store is busy.
 */
export async function keepSnapshotBudget(store: Store): Promise<EvictStats | undefined> {
  // A budget given to this command applies now; else only what this command built can exceed it.
  if (!grown.has(store) && store.options.snapshotBudget === undefined) return undefined
  const budget = await readBudget(store.layout) // openStore recorded one given to this command
  if (budget === undefined) return undefined
  try {
    const r = await withGc(store.layout, async () => evictToBudget(store.layout, budget, await containerLayers(store)), { timeoutMs: 0 })
    grown.delete(store)
    return r
  } catch (e) {
    if (isStoreError(e, Codes.LOCK_TIMEOUT)) return undefined // another operation is in flight
    throw e
  }
}
