// The gc lock is a readers/writer lock across processes. Every operation that adds content
// (import, load, build, commit, create) holds a shared lease for its whole run: a file in
// locks/leases/ named after its pid. gc takes the exclusive gc lock, then waits until no live
// lease remains, so it never sweeps a chunk that work in flight wrote but has not referenced
// yet. A lease taker waits while a live gc holds the lock, registers, and re-checks (a gc may
// have started in between: then it backs off and waits again).
//
// One lease per process and store root: nested steps (a build's RUN creating a container)
// share the lease their operation took instead of queueing behind a gc that waits for that
// very lease. Both waits are bounded; the error names the other side's pid and command.

import { mkdir, open, readdir, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { Codes, StoreError } from '../errors.js'
import type { Layout } from '../layout.js'
import { checkLeaseOrder, checkOrder, holding, holds } from './_order.js'
import { describeHolder, holderText, isLive, me, parseHolder, type Holder } from './_process.js'
import { readLockFile, sleep } from './_files.js'
import { withPath } from '../_fs.js'
import { LOCK_TIMEOUT_MS, lockExclusive, type LockOptions, type Release } from './exclusive.js'

export const leasesDir = (layout: Layout) => layout.leasesDir

interface Shared {
  count: number
  file: Promise<string>
  /** The lease file is written: content may be added under it (a taker still waiting for a gc holds nothing yet). */
  held: boolean
}
const shared = new Map<string, Shared>()

/** A shared lease against gc, held while content is being added. */
export async function gcLease(layout: Layout, opts: LockOptions = {}): Promise<Release> {
  checkLeaseOrder()
  let entry = shared.get(layout.root)
  if (!entry) {
    const e: Shared = { count: 0, file: takeLease(layout, opts.timeoutMs ?? LOCK_TIMEOUT_MS), held: false }
    e.file.then(() => (e.held = true), () => {})
    shared.set(layout.root, e)
    e.file.catch(() => shared.get(layout.root) === e && shared.delete(layout.root))
    entry = e
  }
  const e = entry
  e.count++
  try {
    await e.file
  } catch (err) {
    e.count--
    throw err
  }
  let done = false
  return async () => {
    if (done) return
    done = true
    if (--e.count > 0) return
    if (shared.get(layout.root) === e) shared.delete(layout.root)
    await rm(await e.file, { force: true })
  }
}

async function takeLease(layout: Layout, timeoutMs: number): Promise<string> {
  const dir = leasesDir(layout)
  await mkdir(dir, { recursive: true })
  const start = Date.now()
  for (;;) {
    for (let g = await liveGc(layout); g; g = await liveGc(layout)) {
      if (Date.now() - start > timeoutMs) throw await gcTimeout(layout, g, timeoutMs)
      await sleep(20)
    }
    const path = `${dir}/${process.pid}-${randomBytes(6).toString('hex')}`
    const fh = await open(path, 'wx')
    try {
      await fh.writeFile(holderText(me()))
    } catch (e) {
      await fh.close().catch(() => {})
      await rm(path, { force: true })
      throw withPath(e, path)
    }
    await fh.close()
    if (!(await liveGc(layout))) return path
    await rm(path, { force: true })
  }
}

/** The live holder of the gc lock, if any (a stale gc lock holds no one off). */
async function liveGc(layout: Layout): Promise<Holder | undefined> {
  const f = await readLockFile(layout.lock('gc'))
  return f?.holder && (await isLive(f.holder)) ? f.holder : undefined
}

/**
 * Exclusive gc: blocks new leases, waits (bounded) for live leases to end: other processes'
 * (their files), and this process' own (the shared entry), which another operation of this
 * process holds, never the gc's caller: nothing calls gc while holding a lease (the order of
 * _order.ts puts a lease first and gc is taken without one; a budget kept after a command
 * waits for nothing). Without that, a library caller's rmi beside its own import or build swept
 * a config the import had put but not yet recorded.
 */
export async function lockGc(layout: Layout, opts: LockOptions = {}): Promise<Release> {
  const timeoutMs = opts.timeoutMs ?? LOCK_TIMEOUT_MS
  const release = await lockExclusive(layout, 'gc', { timeoutMs })
  try {
    const start = Date.now()
    for (let l = await liveLease(layout); l; l = await liveLease(layout)) {
      if (Date.now() - start > timeoutMs) throw await leaseTimeout(l, timeoutMs)
      await sleep(20)
    }
    while (shared.get(layout.root)?.held) {
      if (Date.now() - start > timeoutMs) {
        throw new StoreError(Codes.LOCK_TIMEOUT, `timed out after ${Math.round(timeoutMs / 1000)}s waiting for another operation of this process to finish adding content to the store`, {
          data: { pid: process.pid },
          hint: 'gc runs when no import, load, build, commit or container create is in flight: try again once it has finished',
        })
      }
      await sleep(20)
    }
  } catch (e) {
    await release()
    throw e
  }
  return release
}

/**
 * Runs fn as the only gc of the store, with no content being added by another process.
 * Re-entrant within one call chain: `system prune` holds it over all its steps (so no build's
 * RUN container is pruned as "stopped" while the build waits to start it), then runs gc.
 */
export async function withGc<T>(layout: Layout, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  if (holds('gc', layout.root)) return fn()
  checkOrder('gc')
  const release = await lockGc(layout, opts)
  try {
    return await holding('gc', layout.root, fn)
  } finally {
    await release()
  }
}

/** One live lease of another process; leases of dead processes are removed on the way. */
async function liveLease(layout: Layout): Promise<{ path: string; holder: Holder } | undefined> {
  const dir = leasesDir(layout)
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number.parseInt(n, 10)
    // Our own process' leases are not waited for (an in-process caller would wait on itself).
    if (!(pid > 0) || pid === process.pid) continue
    const path = `${dir}/${n}`
    const text = (await readLockFile(path))?.text
    if (text === undefined) continue
    // Empty: its writer is between creating and writing it (or died there): the pid decides.
    const holder = parseHolder(text) ?? { pid }
    if (holder.pid === pid && (await isLive(holder))) return { path, holder }
    await rm(path, { force: true })
  }
  return undefined
}

async function gcTimeout(layout: Layout, g: Holder, ms: number): Promise<StoreError> {
  return new StoreError(Codes.LOCK_TIMEOUT, `timed out after ${Math.round(ms / 1000)}s waiting for garbage collection to finish: the store's gc lock ${layout.lock('gc')} is held by ${await describeHolder(g)}`, {
    data: { lock: 'gc', path: layout.lock('gc'), pid: g.pid },
    hint: 'if that process is stuck, stop it: the lock of a process that has exited is taken over at once',
  })
}

async function leaseTimeout(l: { path: string; holder: Holder }, ms: number): Promise<StoreError> {
  return new StoreError(Codes.LOCK_TIMEOUT, `timed out after ${Math.round(ms / 1000)}s waiting for ${await describeHolder(l.holder)} to finish adding content to the store (lease ${l.path})`, {
    data: { lease: l.path, pid: l.holder.pid },
    hint: 'gc runs when no import, load, build, commit or container create is in flight: try again once it has finished',
  })
}

