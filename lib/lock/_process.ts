// Who holds a lock, lease or temp entry, and whether that process still exists.
// A pid alone is not an identity: after a kill -9 the kernel may give the pid to another
// process. A holder is its pid plus its start time (field 22 of /proc/<pid>/stat, clock ticks
// since boot), so a reused pid never keeps a dead holder's lock alive.

import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { pidExists } from '../_pid.js'

export interface Holder {
  pid: number
  /** Start time in clock ticks since boot; undefined where /proc cannot tell. */
  start?: string
}

/** Start time of a live process, or undefined if it is gone (a zombie counts as gone). */
export async function processStart(pid: number): Promise<string | undefined> {
  if (!(pid > 0)) return undefined
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return rest[0] === 'Z' ? undefined : rest[19]
  } catch {
    return undefined
  }
}

let self: Holder | undefined
/** This process (read once: our own start time never changes). */
export function me(): Holder {
  if (self?.pid === process.pid) return self
  let start: string | undefined
  try {
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8')
    start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    start = undefined
  }
  self = { pid: process.pid, start }
  return self
}

export const holderText = (h: Holder): string => `${h.pid} ${h.start ?? ''}`.trim() + '\n'

/** Parses what holderText wrote; undefined for an empty or garbled file (a stale lock). */
export function parseHolder(text: string): Holder | undefined {
  const m = /^(\d+)(?: (\d+))?\n?$/.exec(text)
  if (!m) return undefined
  const pid = Number(m[1])
  return pid > 0 ? { pid, start: m[2] } : undefined
}

/** The holder still runs: its pid exists and, where known, was started at the same time. */
export async function isLive(h: Holder): Promise<boolean> {
  if (!pidExists(h.pid)) return false
  if (h.start === undefined) return true
  const now = await processStart(h.pid)
  return now === undefined ? !(await procReadable()) : now === h.start
}

let procOk: boolean | undefined
async function procReadable(): Promise<boolean> {
  procOk ??= (await processStart(process.pid)) !== undefined
  return procOk
}

/** `pid 123 (store build -t x .)`: for messages about a holder that is still running. */
export async function describeHolder(h: Holder): Promise<string> {
  const raw = await readFile(`/proc/${h.pid}/cmdline`, 'utf8').catch(() => '')
  const argv = raw.split('\0').filter(Boolean)
  // node /…/dist/cli/main.js --root R build …: show it as the user typed it, from `store` on.
  const at = argv.findIndex((a) => /(^|\/)(main\.js|store)$/.test(a))
  const words = at >= 0 ? ['store', ...argv.slice(at + 1)] : argv
  let cmd = words.join(' ')
  if (cmd.length > 80) cmd = `${cmd.slice(0, 77)}...`
  return cmd ? `pid ${h.pid} (${cmd})` : `pid ${h.pid}`
}

/**
 * A temp entry named after its writer's pid is an orphan when that pid is gone, or is now a
 * process that started after the entry last changed (the pid was reused). `changedMs` is the
 * entry's ctime; a margin of 2 s covers the coarse boot time the start is measured from.
 */
export async function orphaned(pid: number, changedMs: number): Promise<boolean> {
  if (pid === process.pid) return false
  if (!pidExists(pid)) return true
  const start = await processStart(pid)
  // Gone (or a zombie) since the check above; where /proc cannot tell, assume it still runs.
  if (start === undefined) return procReadable()
  const startedMs = (await bootTimeMs()) + (Number(start) * 1000) / TICKS
  return startedMs > changedMs + 2000
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const TICKS = 100
let boot: number | undefined
async function bootTimeMs(): Promise<number> {
  if (boot === undefined) {
    const text = await readFile('/proc/stat', 'utf8').catch(() => '')
    const m = /^btime (\d+)$/m.exec(text)
    boot = m ? Number(m[1]) * 1000 : 0
  }
  return boot
}
