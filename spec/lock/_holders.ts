// Lock holders for the lock specs: real processes (a live one that sleeps, a dead one), and
// lock files naming them exactly as the lock module writes them.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Clock-tick start time of a process, as lock files record it. */
export function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}

export const holderFile = (pid: number, start?: string) => `${pid}${start ? ` ${start}` : ''}\n`

/** A pid that has exited (and been reaped): no process has it now, barring reuse. */
export function deadPid(): number {
  const r = spawnSync('/bin/true')
  return r.pid!
}

/** Live processes started by a spec; stop() kills exactly those (by pid) and waits. */
export function liveHolders() {
  const started: ChildProcess[] = []
  return {
    /** A `sleep` that holds nothing itself: we write lock files in its name. */
    start(): ChildProcess {
      const p = spawn('/bin/sleep', ['60'], { stdio: 'ignore' })
      started.push(p)
      return p
    },
    async stop(): Promise<void> {
      for (const p of started.splice(0)) {
        if (p.exitCode !== null || p.signalCode !== null) continue
        const gone = new Promise((r) => p.once('exit', r))
        p.kill('SIGKILL')
        await gone
      }
    },
  }
}
