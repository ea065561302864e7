// RUN --mount=type=cache: a dir under the store root (cache/mounts/<sha256 of id and seed>)
// that outlives the step and the build, shared by every build of the store that names the same
// id; never part of a layer (it is a mount), dropped by `store builder prune` / `system prune`.
// As BuildKit (solver/llbsolver/mounts/mount.go):
//   - a new cache is empty (0755, 0:0); with uid/gid/mode (and no source) a dir of that owner
//     and mode; with `from` a copy of `source` in that stage or image. The seed is part of the
//     dir's name, so one id with two seeds is two caches;
//   - without `from`, `source` is a sub dir of the cache (made on first use);
//   - sharing=shared: every step uses the dir at once; locked: one step at a time (a store
//     lock held while the step runs); private: a step whose dir is in use by another private
//     or locked step gets another dir (`<name>.1`, …), kept for later use too.
// Cache key of the step: the mount's definition only; the contents never are.
// Each use sets the dir's mtime to now: its last use, which `prune --filter until=` reads (a
// dir from before that only has its last top-level change, an earlier time: never a later one).

import { chmod, chown, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { Codes, StoreError, isStoreError } from '../../errors.js'
import { mergedView, treeSize } from '../../driver/index.js'
import { storeSnapshots } from '../../container/snapshots.js'
import { lockExclusive, withLock, type Release } from '../../_lock.js'
import type { Store } from '../../store.js'
import type { RunMountSpec } from '../parser/index.js'
import { sourceNotFound } from './bind.js'
import { hostRoot, resolveInRoot, viewRoot } from './resolvePath.js'
import type { MountSources, PlannedMount } from './types.js'

type CacheSpec = Extract<RunMountSpec, { type: 'cache' }>

const lockName = (dirName: string) => `cache-mount-${dirName}`

export async function planCache(spec: CacheSpec, src: MountSources): Promise<PlannedMount> {
  const store = src.store
  const owned = spec.uid !== undefined || spec.gid !== undefined || spec.mode !== undefined
  let seedKey: unknown[] = []
  let fill = async (dest: string) => {
    await mkdir(dest, { mode: 0o755 })
  }
  let subdir = spec.source
  if (owned && spec.source === '/') {
    // BuildKit: mkdir /cache with this owner and mode over `from` (or scratch), mount /cache.
    const mode = spec.mode ?? 0o755
    seedKey = ['owned', spec.uid ?? 0, spec.gid ?? 0, mode]
    fill = async (dest) => {
      await mkdir(dest)
      await chown(dest, spec.uid ?? 0, spec.gid ?? 0)
      await chmod(dest, mode & 0o7777)
    }
  } else if (spec.from !== undefined) {
    const from = await src.resolveFrom(spec.from)
    seedKey = ['from', from.key, spec.source]
    subdir = '/'
    fill = async (dest) => {
      const view = mergedView((await storeSnapshots(store, from.layers)).dirs.reverse())
      const r = await resolveInRoot(viewRoot(view), spec.source)
      if (r.kind === 'missing') throw sourceNotFound(spec.source)
      if (r.kind !== 'dir') throw new StoreError(Codes.BUILD_FAILED, `cache mount source ${spec.source} is not a directory`)
      await view.materialise(r.rel, dest)
    }
  }
  const dirName = store.hash.sha256(new TextEncoder().encode(JSON.stringify([spec.id, seedKey]))).slice(7)
  return {
    key: JSON.stringify(['cache', spec.id, spec.target, spec.sharing, seedKey, subdir, spec.readonly]),
    async prepare() {
      const { name, release } = await claim(store, dirName, spec.sharing)
      try {
        const dir = store.layout.cacheMount(name)
        await ensureCacheDir(store, dir, fill)
        const now = store.now()
        await utimes(dir, now, now)
        const source = await subdirIn(dir, subdir)
        return { mounts: [{ type: 'bind', source, destination: spec.target, readonly: spec.readonly, propagation: '' }], release }
      } catch (e) {
        await release?.()
        throw e
      }
    },
  }
}

/** Which dir the step uses, and the lock it holds on it (none for shared). */
async function claim(store: Store, dirName: string, sharing: CacheSpec['sharing']): Promise<{ name: string; release?: Release }> {
  if (sharing === 'shared') return { name: dirName }
  // A step can run for hours: a locked cache waits as long as the other step runs.
  if (sharing === 'locked') return { name: dirName, release: await lockExclusive(store.layout, lockName(dirName), { timeoutMs: Infinity }) }
  for (let n = 0; ; n++) {
    const name = n === 0 ? dirName : `${dirName}.${n}`
    try {
      return { name, release: await lockExclusive(store.layout, lockName(name), { timeoutMs: 0 }) }
    } catch (e) {
      if (!isStoreError(e, Codes.LOCK_TIMEOUT)) throw e
    }
  }
}

/** Create the cache dir once (under a lock: two first uses must not both seed it). */
async function ensureCacheDir(store: Store, dir: string, fill: (dest: string) => Promise<void>): Promise<void> {
  const exists = async () => (await readdir(dir).then(() => true, () => false))
  if (await exists()) return
  await mkdir(store.layout.cacheMountsDir, { recursive: true })
  await withLock(store.layout, 'cache-mounts', async () => {
    if (await exists()) return
    const tmp = store.layout.cacheMount(`.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
    try {
      await fill(tmp)
      await rename(tmp, dir)
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  })
}

/**
 * `sub` inside the cache dir, made when missing. Resolved inside it: the cache is written by
 * steps, and a symlink a step left there must not point a later mount at the host.
 */
async function subdirIn(dir: string, sub: string): Promise<string> {
  const r = await resolveInRoot(hostRoot(dir), sub)
  // A dangling symlink a step left (`x -> ../../y`) leaves `..` to make: never above the dir.
  if (r.kind === 'other' || r.rest.some((c) => c === '..' || c === '.')) {
    throw new StoreError(Codes.BUILD_FAILED, `cache mount source ${sub} is not a directory in the cache`)
  }
  const rel = [r.rel, ...r.rest].filter(Boolean).join('/')
  const abs = rel ? `${dir}/${rel}` : dir
  if (r.kind === 'missing') await mkdir(abs, { recursive: true, mode: 0o755 })
  return abs
}

/** Cache dirs in the store and their bytes (the Build Cache row of `system df`). */
export async function cacheMountsUsage(store: Store): Promise<{ count: number; bytes: number }> {
  const names = (await readdir(store.layout.cacheMountsDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'))
  let bytes = 0
  for (const n of names) bytes += await treeSize(store.layout.cacheMount(n))
  return { count: names.length, bytes }
}

/**
 * Remove every cache dir, or with `before` (ms) those last used before it, and the temp dirs of
 * interrupted first uses. The caller holds the gc lock, so no build is using one.
 */
export async function removeCacheMounts(store: Store, before?: number): Promise<{ count: number; bytes: number }> {
  if (before === undefined) {
    const usage = await cacheMountsUsage(store)
    await rm(store.layout.cacheMountsDir, { recursive: true, force: true })
    return usage
  }
  let count = 0
  let bytes = 0
  for (const n of await readdir(store.layout.cacheMountsDir).catch(() => [] as string[])) {
    const dir = store.layout.cacheMount(n)
    const temp = n.startsWith('.')
    if (!temp && (await stat(dir).then((s) => s.mtimeMs >= before, () => true))) continue
    if (!temp) {
      count++
      bytes += await treeSize(dir)
    }
    await rm(dir, { recursive: true, force: true })
  }
  return { count, bytes }
}
