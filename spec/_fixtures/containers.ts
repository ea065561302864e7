// Helpers for the container end-to-end specs: what the kernel says about mounts and processes
// (every mount namespace, not just ours: a container's mounts live in its own), a content hash
// of a file tree, and killing whatever a failed spec left running under a store root.

import { createHash } from 'node:crypto'
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { requireBuilt, store, storeIn, tempDir, type CliResult } from './cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from './busybox.js'

const pids = () => readdirSync('/proc').filter((n) => /^\d+$/.test(n))

/** Mount points under `dir` in any mount namespace on the machine, as "pid: mountpoint". */
export function mountsUnder(dir: string): string[] {
  const out = new Set<string>()
  for (const pid of ['self', ...pids()]) {
    let text: string
    try {
      text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    } catch {
      continue // gone, or a kernel thread
    }
    for (const line of text.split('\n')) {
      const point = line.split(' ')[4]
      if (point && (point === dir || point.startsWith(`${dir}/`))) out.add(`${pid}: ${point}`)
    }
  }
  return [...out]
}

/** Mount points under `dir` in our own mount namespace (what the host sees). */
export function ownMountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p && (p === dir || p.startsWith(`${dir}/`)))
}

/** Processes whose command line mentions `text` (our temp dir: only ours can). */
export function processesMentioning(text: string): number[] {
  const out: number[] = []
  for (const pid of pids()) {
    if (Number(pid) === process.pid) continue
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) out.push(Number(pid))
    } catch {
      // gone
    }
  }
  return out
}

/** The first child of a process (a launcher's: the container's PID 1), 0 when none. */
export function childPid(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]) || 0
  } catch {
    return 0
  }
}

/** Whether a process runs (a zombie whose parent is gone waits for the host's init: not running). */
export function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** SIGKILL the given pids (each by id); a launcher's container init dies with it. */
export function killPids(list: number[]): void {
  for (const pid of list) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** The launcher pid a container's state.json records (0 when none). */
export function launcherPid(root: string, id: string): number {
  try {
    return JSON.parse(readFileSync(join(root, 'containers', id, 'state.json'), 'utf8')).launcherPid ?? 0
  } catch {
    return 0
  }
}

/** One line per entry: path, type, mode, owner, size, content hash or link target. */
export function treeHash(dir: string): string {
  const h = createHash('sha256')
  const walk = (rel: string) => {
    const p = rel ? join(dir, rel) : dir
    const st = lstatSync(p)
    let what = ''
    if (st.isSymbolicLink()) what = `-> ${readlinkSync(p)}`
    else if (st.isFile()) what = createHash('sha256').update(readFileSync(p)).digest('hex')
    else if (st.isCharacterDevice() || st.isBlockDevice()) what = `dev ${st.rdev}`
    h.update(`${rel}\0${st.mode.toString(8)}\0${st.uid}:${st.gid}\0${st.size}\0${st.mtimeMs}\0${st.nlink}\0${what}\n`)
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) walk(rel ? `${rel}/${n}` : n)
  }
  if (existsSync(dir)) walk('')
  return h.digest('hex')
}

/** `store ps -a` as name -> status text. */
export function psStatus(ps: CliResult): Map<string, string> {
  const m = new Map<string, string>()
  for (const line of ps.stdout.split('\n').filter(Boolean)) {
    const [name, status] = line.split('|')
    m.set(name, status)
  }
  return m
}

/** `store ARGS` on `root`, which must succeed: its stdout (the failure names the command and its stderr). */
export async function storeOk(root: string, args: string[]): Promise<string> {
  const r = await storeIn(root, args)
  expect(r.status, `store ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

/** Every container of a temp root gone: launchers a killed supervisor left behind end first, then `rm -f`. */
export function removeContainersOf(root: string): void {
  const dir = join(root, 'containers')
  const ids = existsSync(dir) ? readdirSync(dir) : []
  for (const id of ids) {
    const pid = launcherPid(root, id)
    if (pid && processesMentioning(id).includes(pid)) killPids([pid])
  }
  if (ids.length) store(root, ['rm', '-f', ...ids])
}

export interface BusyboxStore {
  /** Why the spec cannot run here (no root, no busybox): it skips, or fails under CI. */
  why: string | undefined
  /** The spec's temp folder, the store root in it, and the busybox tree imported as `busybox`. */
  dir: string
  root: string
  bb: string
}

/**
 * The container specs' store: in beforeAll a temp folder, a store in it with busybox imported
 * as `busybox` (`importArgs` added to the import; `prepare` may add files to the tree first);
 * in afterAll every container removed, whatever process still names the folder killed, the
 * folder removed, even after a failure. Call it at the top of the spec file, before its own hooks.
 */
export function busyboxStore(prefix: string, o: { importArgs?: string[]; prepare?: (bb: string, dir: string) => void } = {}): BusyboxStore {
  const s: BusyboxStore = { why: busyboxUnavailable(), dir: '', root: '', bb: '' }
  let tmp: { dir: string; cleanup: () => void } | undefined
  beforeAll(() => {
    if (s.why) return
    requireBuilt()
    tmp = tempDir(prefix)
    s.dir = tmp.dir
    s.root = join(tmp.dir, 'root')
    s.bb = makeBusyboxRoot(join(tmp.dir, 'busybox'))
    o.prepare?.(s.bb, tmp.dir)
    const r = store(s.root, ['import', s.bb, 'busybox', ...(o.importArgs ?? [])])
    expect(r.status, r.stderr).toBe(0)
  })
  afterAll(() => {
    if (!tmp) return
    try {
      // rm -f marks each as stopped by the user: no restart policy starts one again.
      removeContainersOf(s.root)
      killPids(processesMentioning(tmp.dir))
    } finally {
      tmp.cleanup()
    }
  })
  return s
}
