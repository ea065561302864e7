// Control groups for containers (root only): one per container under the supervisor's own
// cgroup (`<its path>/store/<id>`), in every hierarchy store uses: cgroup v2 when /sys/fs/cgroup
// is one (memory.max, cpu.max, pids.max, cgroup.freeze, io.stat), else the v1 controllers
// (memory, cpu, pids, freezer, blkio). They carry `--memory`, `--memory-swap`, `--cpus`,
// `--cpu-shares`, `--pids-limit`; `pause` freezes them and `stats` reads them. The container's PID 1 joins
// them from the setup script, before anything of the container runs (its children inherit
// them); the supervisor removes them once the container has ended.

import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { cpus } from 'node:os'
import { Codes, StoreError } from '../errors.js'
import { shQuote as q } from '../driver/index.js'
import { BLKIO_FILES, blkioBytes, ioStatBytes } from './blockIo.js'

export interface Limits {
  /** Bytes (`--memory`). */
  memory?: number
  /** Memory plus swap, bytes (`--memory-swap`; -1 unlimited). */
  memorySwap?: number
  /** Billionths of a CPU (`--cpus`: Docker's NanoCPUs). */
  nanoCpus?: number
  /** Relative weight (`--cpu-shares`, default 1024). */
  cpuShares?: number
  /** Processes (`--pids-limit`; 0 or -1 unlimited). */
  pidsLimit?: number
}

const V1 = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer', 'blkio'] as const
type V1Controller = (typeof V1)[number]

export type CgroupSet = { version: 2; dir: string } | { version: 1; dirs: Partial<Record<V1Controller, string>> }

/** Where each hierarchy is mounted and our own place in it. */
function hierarchy(): { version: 2; base: string } | { version: 1; bases: Partial<Record<V1Controller, string>> } | undefined {
  let own: string
  let mounts: string
  try {
    own = readFileSync('/proc/self/cgroup', 'utf8')
    mounts = readFileSync('/proc/self/mounts', 'utf8')
  } catch {
    return undefined
  }
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const path = /^0::(.*)$/m.exec(own)?.[1] ?? '/'
    return { version: 2, base: join('/sys/fs/cgroup', path) }
  }
  const bases: Partial<Record<V1Controller, string>> = {}
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, opts] = line.split(' ')
    if (type !== 'cgroup') continue
    for (const c of V1) {
      if (!opts.split(',').includes(c) || bases[c]) continue
      const path = own.split('\n').find((l) => l.split(':')[1]?.split(',').includes(c))?.split(':')[2] ?? '/'
      bases[c] = join(mountPoint, path)
    }
  }
  return Object.keys(bases).length ? { version: 1, bases } : undefined
}

/** Docker's checks of the flags (its daemon's messages). */
export function checkLimits(l: Limits): void {
  const bad = (m: string) => new StoreError(Codes.INVALID_ARGUMENT, m)
  if (l.memory !== undefined && l.memory > 0 && l.memory < 6 * 1024 * 1024) throw bad('Minimum memory limit allowed is 6MB')
  if (l.memorySwap !== undefined && l.memorySwap > 0) {
    if (!l.memory) throw bad('You should always set the Memory limit when using Memoryswap limit, see usage')
    if (l.memorySwap < l.memory) throw bad('Minimum memoryswap limit should be larger than memory limit, see usage')
  }
  const n = cpus().length
  if (l.nanoCpus !== undefined && l.nanoCpus !== 0 && (l.nanoCpus < 1e7 || l.nanoCpus > n * 1e9)) {
    throw bad(`Range of CPUs is from 0.01 to ${n.toFixed(2)}, as there are only ${n} CPUs available`)
  }
}

export const hasLimits = (l: Limits | undefined): boolean =>
  !!l && (!!l.memory || !!l.nanoCpus || (l.pidsLimit ?? 0) > 0 || (l.cpuShares ?? 0) > 0 || !!l.memorySwap)

/** The container's cgroups, made with its limits; undefined where there are none to use (rootless). */
export async function createCgroups(id: string, l: Limits = {}): Promise<CgroupSet | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const h = hierarchy()
  if (!h) {
    if (hasLimits(l)) throw new StoreError(Codes.UNSUPPORTED, 'resource limits need control groups, and none are mounted here')
    return undefined
  }
  let c: CgroupSet
  if (h.version === 2) {
    const parent = join(h.base, 'store')
    await makeDir(parent)
    // Controllers must be delegated down to the container's cgroup (from our own to `store`).
    for (const d of [h.base, parent]) await writeFile(join(d, 'cgroup.subtree_control'), '+memory +cpu +pids').catch(() => {})
    // io apart: a write naming a controller the parent lacks fails whole (io.stat is for stats only).
    for (const d of [h.base, parent]) await writeFile(join(d, 'cgroup.subtree_control'), '+io').catch(() => {})
    c = { version: 2, dir: join(parent, id) }
    await makeDir(c.dir)
  } else {
    const dirs: Partial<Record<V1Controller, string>> = {}
    for (const k of V1) {
      const base = h.bases[k]
      if (!base) continue
      dirs[k] = join(base, 'store', id)
      await makeDir(dirs[k]!)
    }
    c = { version: 1, dirs }
  }
  try {
    await applyLimits(c, l)
  } catch (e) {
    await removeCgroups(c)
    throw e
  }
  return c
}

/** Write the limits into the cgroups (at start, and by `update` while it runs); unset ones are left. */
export async function applyLimits(c: CgroupSet, l: Limits): Promise<void> {
  const set = async (dir: string, file: string, value: string) => {
    try {
      await writeFile(join(dir, file), value)
    } catch (e) {
      throw new StoreError(Codes.LAUNCH_FAILED, `cannot set ${file} to ${value}: ${(e as Error).message}`)
    }
  }
  if (c.version === 2) {
    const dir = c.dir
    if (l.memory) await set(dir, 'memory.max', String(l.memory))
    if (l.memory && l.memorySwap) await set(dir, 'memory.swap.max', l.memorySwap < 0 ? 'max' : String(l.memorySwap - l.memory))
    if (l.nanoCpus) await set(dir, 'cpu.max', `${Math.round(l.nanoCpus / 1e4)} 100000`)
    if (l.cpuShares) await set(dir, 'cpu.weight', String(Math.max(1, Math.min(10000, Math.round(1 + ((l.cpuShares - 2) * 9999) / 262142)))))
    if ((l.pidsLimit ?? 0) > 0) await set(dir, 'pids.max', String(l.pidsLimit))
    return
  }
  const need = (k: V1Controller) => {
    if (!c.dirs[k]) throw new StoreError(Codes.UNSUPPORTED, `the ${k} cgroup controller is not mounted here`)
    return c.dirs[k]!
  }
  if (l.memory) {
    // memsw must stay at least memory: raise it first when memory grows past it.
    const sw = join(need('memory'), 'memory.memsw.limit_in_bytes')
    if (l.memorySwap && existsSync(sw) && l.memorySwap > l.memory) await set(need('memory'), 'memory.memsw.limit_in_bytes', String(l.memorySwap)).catch(() => {})
    await set(need('memory'), 'memory.limit_in_bytes', String(l.memory))
    if (l.memorySwap && existsSync(sw)) await set(need('memory'), 'memory.memsw.limit_in_bytes', String(l.memorySwap < 0 ? -1 : l.memorySwap))
  }
  if (l.nanoCpus) {
    await set(need('cpu'), 'cpu.cfs_period_us', '100000')
    await set(need('cpu'), 'cpu.cfs_quota_us', String(Math.round(l.nanoCpus / 1e4)))
  }
  if (l.cpuShares) await set(need('cpu'), 'cpu.shares', String(l.cpuShares))
  if ((l.pidsLimit ?? 0) > 0) await set(need('pids'), 'pids.max', String(l.pidsLimit))
}

const dirsOf = (c: CgroupSet): string[] => (c.version === 2 ? [c.dir] : Object.values(c.dirs))

/** Setup-script lines that move the container's first process (`pidVar`) into its cgroups. */
export function joinCgroupLines(c: CgroupSet, pidVar: string): string[] {
  return dirsOf(c).map((d) => `echo ${pidVar} > ${q(join(d, 'cgroup.procs'))} || fail ${q(`cannot join the control group ${d}`)}`)
}

/**
 * Remove the cgroups (empty once the container's processes are gone), children first: runc
 * makes its own cgroup for the container inside ours (its default path is relative to its
 * own), and leaves it behind when the container ends.
 */
export async function removeCgroups(c: CgroupSet | undefined): Promise<void> {
  if (!c) return
  const rmTree = async (d: string): Promise<void> => {
    const kids = await readdir(d, { withFileTypes: true }).catch(() => [])
    for (const k of kids) if (k.isDirectory()) await rmTree(join(d, k.name))
    // A process may take a moment to leave after it died (zombie reaped), and one the
    // container left behind is killed: it was the container's. Tried for up to 10 s (a loaded
    // machine); the first try is the usual one.
    for (let i = 0; i < 1000; i++) {
      try {
        await rmdir(d)
        return
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
        const left = (await readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean)
        for (const pid of left) {
          try {
            process.kill(Number(pid), 'SIGKILL')
          } catch {
            // gone already
          }
        }
        await new Promise((r) => setTimeout(r, 10))
      }
    }
  }
  for (const d of dirsOf(c)) {
    await rmTree(d)
    // `store` itself too once no container has one (another may be making its own meanwhile:
    // makeDir below tries again when its parent vanished).
    await rmdir(dirname(d)).catch(() => {})
  }
}

/** mkdir -p that survives the parent being removed by another container's end meanwhile. */
async function makeDir(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await mkdir(dir, { recursive: true })
      return
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || i >= 20) throw e
    }
  }
}

/** Freeze (pause) or thaw (unpause) every process of the container. */
export async function freeze(c: CgroupSet, frozen: boolean): Promise<void> {
  if (c.version === 2) {
    await writeFile(join(c.dir, 'cgroup.freeze'), frozen ? '1' : '0')
    return
  }
  if (!c.dirs.freezer) throw new StoreError(Codes.UNSUPPORTED, 'the freezer cgroup controller is not mounted here')
  await writeFile(join(c.dirs.freezer, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED')
  // The state settles asynchronously (FREEZING): wait for it, bounded.
  for (let i = 0; i < 500; i++) {
    const s = (await readFile(join(c.dirs.freezer, 'freezer.state'), 'utf8')).trim()
    if (s === (frozen ? 'FROZEN' : 'THAWED')) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new StoreError(Codes.LAUNCH_FAILED, `the container did not ${frozen ? 'freeze' : 'thaw'}`)
}

export async function isFrozen(c: CgroupSet | undefined): Promise<boolean> {
  if (!c) return false
  const read = (f: string) => readFile(f, 'utf8').then((t) => t.trim(), () => '')
  if (c.version === 2) return (await read(join(c.dir, 'cgroup.freeze'))) === '1'
  return !!c.dirs.freezer && (await read(join(c.dirs.freezer, 'freezer.state'))) !== 'THAWED'
}

export interface CgroupStats {
  /** CPU time used, nanoseconds. */
  cpuNs: number
  /** Memory in use (without the inactive file cache, as Docker shows it), bytes. */
  memory: number
  /** The limit, bytes (the host's memory when none). */
  memoryLimit?: number
  pids: number
  oomKills: number
  /** Bytes read from and written to block devices (0 where the kernel does not count them). */
  blockRead: number
  blockWrite: number
}

export async function cgroupStats(c: CgroupSet): Promise<CgroupStats> {
  const read = (f: string) => readFile(f, 'utf8').catch(() => '')
  const field = (text: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
  const UNLIMITED = 2 ** 60
  if (c.version === 2) {
    const files = ['cpu.stat', 'memory.current', 'memory.max', 'memory.stat', 'pids.current', 'memory.events', 'io.stat']
    const [cpu, cur, max, stat, pids, events, io] = await Promise.all(files.map((f) => read(join(c.dir, f))))
    const limit = max.trim() === 'max' || !max.trim() ? undefined : Number(max)
    const b = ioStatBytes(io)
    return {
      cpuNs: field(cpu, 'usage_usec') * 1000, memory: Math.max(0, Number(cur) - field(stat, 'inactive_file')), memoryLimit: limit, pids: Number(pids) || 0, oomKills: field(events, 'oom_kill'),
      blockRead: b.read, blockWrite: b.write,
    }
  }
  const m = c.dirs.memory
  const [cpu, usage, limitText, stat, pids, oom] = await Promise.all([
    c.dirs.cpuacct ? read(join(c.dirs.cpuacct, 'cpuacct.usage')) : Promise.resolve(''),
    m ? read(join(m, 'memory.usage_in_bytes')) : Promise.resolve(''),
    m ? read(join(m, 'memory.limit_in_bytes')) : Promise.resolve(''),
    m ? read(join(m, 'memory.stat')) : Promise.resolve(''),
    c.dirs.pids ? read(join(c.dirs.pids, 'pids.current')) : Promise.resolve(''),
    m ? read(join(m, 'memory.oom_control')) : Promise.resolve(''),
  ])
  const limit = Number(limitText) || 0
  let b = { read: 0, write: 0 }
  for (const f of c.dirs.blkio ? BLKIO_FILES : []) {
    const found = blkioBytes(await read(join(c.dirs.blkio!, f)))
    if (found) {
      b = found
      break
    }
  }
  return {
    cpuNs: Number(cpu) || 0,
    memory: Math.max(0, (Number(usage) || 0) - field(stat, 'total_inactive_file')),
    memoryLimit: limit > 0 && limit < UNLIMITED ? limit : undefined,
    pids: Number(pids) || 0,
    oomKills: field(oom, 'oom_kill'),
    blockRead: b.read,
    blockWrite: b.write,
  }
}
