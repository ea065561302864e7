// What a bench that starts system software must take down after itself, found by the unique
// temp folder it gave that software (never by a process name): mounts under it (dockerd's
// `netns/default` outlives dockerd; a failed debootstrap may leave its `proc`), and processes
// whose command line names it (the containerd and shims of an engine that did not stop).

import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** Mount points at or under `dir` in this mount namespace, deepest first. */
export function mountsUnder(dir: string): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length)
}

/** Unmounts everything under `dir` (lazily when busy); the mount points it unmounted. */
export function unmountUnder(dir: string): string[] {
  const done: string[] = []
  for (const m of mountsUnder(dir)) {
    if (spawnSync('umount', [m]).status === 0 || spawnSync('umount', ['-l', m]).status === 0) done.push(m)
  }
  return done
}

/** Kills (SIGKILL) every process whose command line names `dir`; their pids. */
export function killUnder(dir: string): number[] {
  const killed: number[] = []
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    let cmdline: string
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch {
      continue // it exited
    }
    if (!cmdline.split('\0').some((a) => a.includes(dir))) continue
    try {
      process.kill(pid, 'SIGKILL')
      killed.push(pid)
    } catch {
      // it exited
    }
  }
  return killed
}
