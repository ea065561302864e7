// Exclusive locks for short read-modify-write sections (repositories.json, the build cache,
// container names) and for gc. Acquire: link our holder file to locks/<name>.lock (see
// _files.ts). Wait: poll with backoff, bounded; the error names the lock and its holder.
//
// Stale locks (empty, garbled, or naming a process that is gone) are taken over. Two waiters
// may find the same stale lock at once (everyone queued behind a process that was killed), so
// a takeover is serialized by a second lock, <name>.lock.break: under it the taker checks the
// lock is still the stale file it saw (same inode) and renames its own file over it. The lock
// name never goes missing in between, so no third process can slip in and two can never both
// believe they hold it. The break section is a few syscalls; a break file whose own holder
// died there is removed by inode (a kill -9 inside those microseconds, then two takers racing
// on exactly that file, is the one window this leaves).

import { mkdir, rm } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Layout } from '../layout.js'
import { checkOrder, holding } from './_order.js'
import { describeHolder, holderText, isLive, me, type Holder } from './_process.js'
import { linkOnce, readLockFile, replaceWith, sleep, unlinkIfSame, writeTemp } from './_files.js'

export type Release = () => Promise<void>

/** How long any lock or lease waits for a live holder before failing with its name. */
export const LOCK_TIMEOUT_MS = 120_000

export interface LockOptions {
  timeoutMs?: number
}

export async function lockExclusive(layout: Layout, name: string, opts: LockOptions = {}): Promise<Release> {
  const path = layout.lock(name)
  const timeoutMs = opts.timeoutMs ?? LOCK_TIMEOUT_MS
  await mkdir(layout.locksDir, { recursive: true })
  const mine = holderText(me())
  // On a full disk this fails, and nothing is left behind that could block anyone later.
  const tmp = await writeTemp(path, mine)
  try {
    const start = Date.now()
    let wait = 2
    for (;;) {
      if (await linkOnce(tmp, path)) return releaser(path, mine)
      const cur = await readLockFile(path)
      if (cur === undefined) continue // released between our link and our read
      if (!cur.holder || !(await isLive(cur.holder))) {
        if (await takeOver(path, cur.ino, tmp, mine)) return releaser(path, mine)
      } else if (Date.now() - start > timeoutMs) {
        throw await timeoutError(name, path, cur.holder, timeoutMs)
      }
      await sleep(wait)
      wait = Math.min(wait * 2, 100)
    }
  } finally {
    await rm(tmp, { force: true })
  }
}

/** Runs fn under the lock; the lock order (see _order.ts) is checked first. */
export async function withLock<T>(layout: Layout, name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  checkOrder(name)
  const release = await lockExclusive(layout, name, opts)
  try {
    return await holding(name, layout.root, fn)
  } finally {
    await release()
  }
}

function releaser(path: string, mine: string): Release {
  let done = false
  return async () => {
    if (done) return
    done = true
    // Only our own file: if we were ever (wrongly) judged stale, the new holder's stays.
    await unlinkIfSame(path, { text: mine })
  }
}

async function takeOver(path: string, staleIno: number, tmp: string, mine: string): Promise<boolean> {
  const brk = `${path}.break`
  if (!(await linkOnce(tmp, brk))) {
    const b = await readLockFile(brk)
    if (b && (!b.holder || !(await isLive(b.holder)))) await unlinkIfSame(brk, { ino: b.ino })
    return false
  }
  try {
    const cur = await readLockFile(path)
    if (cur?.ino !== staleIno) return false // released or taken over meanwhile: start again
    await replaceWith(tmp, path)
    return true
  } finally {
    await unlinkIfSame(brk, { text: mine })
  }
}

async function timeoutError(name: string, path: string, holder: Holder, ms: number): Promise<StoreError> {
  const who = await describeHolder(holder)
  return new StoreError(Codes.LOCK_TIMEOUT, `timed out after ${Math.round(ms / 1000)}s waiting for the store's ${name} lock ${path}: held by ${who}`, {
    data: { lock: name, path, pid: holder.pid },
    hint: 'if that process is stuck, stop it: the lock of a process that has exited is taken over at once',
  })
}
