// Shared by the peers scenario: run one child command and measure its wall time and peak RSS,
// measure a repository's stored (apparent) and allocated bytes from outside with du, medians.
// Node's child_process reports no rusage, so the child runs under GNU time (`/usr/bin/time -f
// %M`, package `time`): its figure is the largest resident set among the child and the children
// it waited for (for `tar | zstd` that is the larger of the two, not their sum). Without GNU time,
// VmHWM of the child and its descendants is polled from /proc every 20 ms instead.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

const GNU_TIME = '/usr/bin/time'
const MARK = '@@peak-rss-kb '

export interface Command {
  argv: string[]
  cwd?: string
  env?: Record<string, string>
}

export interface Measured {
  seconds: number
  rssMB: number
}

/** How peak RSS is measured on this machine (printed in the scenario's header). */
export const rssMethod = existsSync(GNU_TIME) ? 'GNU time %M' : 'VmHWM polled from /proc every 20 ms (no /usr/bin/time)'

/** Runs `cmd`; throws with the tail of its output when it exits non-zero. */
export async function measure(cmd: Command): Promise<Measured> {
  const gnu = existsSync(GNU_TIME)
  const argv = gnu ? [GNU_TIME, '-f', `${MARK}%M`, ...cmd.argv] : cmd.argv
  const t0 = performance.now()
  const child = spawn(argv[0], argv.slice(1), { cwd: cmd.cwd, env: { ...process.env, ...cmd.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const keep = (b: Buffer) => void (out = (out + b.toString()).slice(-16_384))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let polled = 0
  const poll = gnu ? undefined : setInterval(() => (polled = Math.max(polled, treeHwmKb(child.pid!))), 20)
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve(code))
  })
  const seconds = (performance.now() - t0) / 1000
  if (poll) clearInterval(poll)
  if (status !== 0) throw new Error(`${cmd.argv.join(' ')} exited ${status}:\n${out.replace(new RegExp(`${MARK}\\d+\\s*$`), '').trim()}`)
  const kb = gnu ? Number(new RegExp(`${MARK}(\\d+)\\s*$`).exec(out)?.[1]) : polled
  if (!Number.isFinite(kb)) throw new Error(`no peak RSS from GNU time for ${cmd.argv.join(' ')}`)
  return { seconds, rssMB: kb / 1024 }
}

/** The largest VmHWM (KiB) among `pid` and its descendants, as far as they are still alive. */
function treeHwmKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const own = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
    return Math.max(own, ...kids.map(treeHwmKb))
  } catch {
    return 0 // it exited between two reads
  }
}

/** Stored bytes (apparent sizes, `du -sb`) and allocated bytes (st_blocks × 512, `du -s -B1`). */
export function diskUse(path: string): { stored: number; allocated: number } {
  const du = (...flags: string[]) => {
    const r = spawnSync('du', ['-s', ...flags, path], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`du ${flags.join(' ')} ${path}: ${r.stderr}`)
    return Number(r.stdout.split('\t')[0])
  }
  return { stored: du('-b'), allocated: du('-B1') }
}

/** A tool's one-line version (first line of `argv`'s output), or undefined when it is not installed. */
export function versionOf(argv: string[]): string | undefined {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' })
  if (r.error || r.status !== 0) return undefined
  return (r.stdout || r.stderr).trim().split('\n')[0]
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
