// Inter-process locks on one store root, without a daemon.
//
// exclusive(name): an O_EXCL lock file holding our pid; a lock whose holder is dead is stale
//   and broken. Used for short read-modify-write sections (repositories.json, names).
// The gc lock is a readers/writer lock: every operation that adds content (import, build,
//   load, commit) holds a shared lease for its whole duration (a file in locks/leases/), and
//   gc takes the exclusive lock and waits until no live lease remains. So gc never sweeps a
//   chunk that an import in flight has written or counted on but not yet referenced.

import { open, rm, readFile, readdir, mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { Codes, StoreError } from './errors.js'
import type { Layout } from './layout.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e: any) {
    return e?.code === 'EPERM'
  }
}

async function holderAlive(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const pid = Number.parseInt(text, 10)
  // A lock file being written right now has no pid yet: treat it as held.
  if (!Number.isFinite(pid)) return text === '' ? true : false
  return alive(pid)
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx')
    await fh.writeFile(String(process.pid))
    await fh.close()
    return true
  } catch (e: any) {
    if (e?.code === 'EEXIST') return false
    throw e
  }
}

export type Release = () => Promise<void>

export async function lockExclusive(layout: Layout, name: string, timeoutMs = 120_000): Promise<Release> {
  const path = layout.lock(name)
  await mkdir(layout.locksDir, { recursive: true })
  const start = Date.now()
  let wait = 2
  for (;;) {
    if (await tryCreate(path)) return () => rm(path, { force: true })
    if (!(await holderAlive(path))) {
      // Stale: its holder died. Re-check after a beat, to not race a writer filling in its pid.
      await sleep(5)
      if (!(await holderAlive(path))) await rm(path, { force: true })
      continue
    }
    if (Date.now() - start > timeoutMs) {
      throw new StoreError(Codes.LOCK_TIMEOUT, `timed out waiting for the store lock ${path}`, { hint: 'another store process holds it' })
    }
    await sleep(wait)
    wait = Math.min(wait * 2, 100)
  }
}

export async function withLock<T>(layout: Layout, name: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockExclusive(layout, name)
  try {
    return await fn()
  } finally {
    await release()
  }
}

/** A shared lease against gc: held while content is being added. */
export async function gcLease(layout: Layout): Promise<Release> {
  const dir = `${layout.locksDir}/leases`
  await mkdir(dir, { recursive: true })
  const gcRunning = async () => (await lockFileExists(layout.lock('gc'))) && (await holderAlive(layout.lock('gc')))
  for (;;) {
    // Wait while a gc runs, then register and re-check (a gc may have started in between).
    while (await gcRunning()) await sleep(20)
    const path = `${dir}/${process.pid}-${randomBytes(6).toString('hex')}`
    const fh = await open(path, 'wx')
    await fh.writeFile(String(process.pid))
    await fh.close()
    if (!(await gcRunning())) return () => rm(path, { force: true })
    await rm(path, { force: true })
  }
}

async function lockFileExists(path: string): Promise<boolean> {
  try {
    await readFile(path)
    return true
  } catch {
    return false
  }
}

/** Exclusive gc: blocks new leases, waits for live leases to end. */
export async function lockGc(layout: Layout): Promise<Release> {
  const release = await lockExclusive(layout, 'gc')
  const dir = `${layout.locksDir}/leases`
  for (;;) {
    const names = await readdir(dir).catch(() => [] as string[])
    let live = 0
    for (const n of names) {
      const pid = Number.parseInt(n, 10)
      if (pid === process.pid) continue // our own process' leases (in-process callers) are not waited for
      if (alive(pid)) live++
      else await rm(`${dir}/${n}`, { force: true })
    }
    if (live === 0) return release
    await sleep(20)
  }
}
