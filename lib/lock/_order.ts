// One order for every lock and lease, checked as they are taken, so a wait cycle is a bug
// that fails at once with a clear message instead of a store that hangs:
//
//   gc lease (shared) | gc (exclusive)   — at most one per operation, always first
//     names            container names (create)
//       cache          build-cache index
//         import-trees folder-import memo
//           tags       repositories.json and image records (always last: never waits on more)
//
// An operation that adds content holds one lease for its whole run; the nested steps it calls
// (a build's RUN creates a container, which asks for a lease too) share it instead of queueing
// behind a gc that is itself waiting for the outer lease (the deadlock of issue 11). What each
// async call chain holds is tracked with AsyncLocalStorage, so two independent operations in
// one process never see each other's locks.

import { AsyncLocalStorage } from 'node:async_hooks'
import { Codes, StoreError } from '../errors.js'

const RANK: Record<string, number> = { gc: 0, names: 10, cache: 20, 'import-trees': 30, tags: 40 }
/** Locks not in the table are leaves: nothing may be taken while one is held. */
const LEAF = 100

interface Held {
  name: string
  root: string
}
const held = new AsyncLocalStorage<readonly Held[]>()

export const rankOf = (name: string): number => RANK[name] ?? LEAF

/** Locks the current call chain holds, outermost first. */
export const heldLocks = (): readonly string[] => (held.getStore() ?? []).map((h) => h.name)

/** Whether the current call chain holds lock `name` of the store at `root`. */
export const holds = (name: string, root: string): boolean => (held.getStore() ?? []).some((h) => h.name === name && h.root === root)

function violation(wanted: string, holding: string): StoreError {
  return new StoreError(Codes.LOCK_ORDER, `lock order violation: taking the ${wanted} lock while holding the ${holding} lock would deadlock`, {
    data: { wanted, holding },
    hint: 'this is a bug in store: please report it with the command that failed',
  })
}

/** Throws unless `name` may be taken now: every lock held ranks strictly before it. */
export function checkOrder(name: string): void {
  for (const h of heldLocks()) if (rankOf(h) >= rankOf(name)) throw violation(name, h)
}

/** A lease may only be the first thing an operation takes. */
export function checkLeaseOrder(): void {
  const h = heldLocks()
  if (h.length > 0) throw violation('gc lease', h[h.length - 1])
}

/** Runs fn with lock `name` of `root` recorded as held by this call chain. */
export function holding<T>(name: string, root: string, fn: () => Promise<T>): Promise<T> {
  return held.run([...(held.getStore() ?? []), { name, root }], fn)
}
