// Mounts in the caller's (host) namespace: what is mounted under a container dir, and taking it
// down. The launcher mounts inside the container's private namespace, so only leftovers of
// withMergedRoot() (a killed store process) can ever show up here.

import { readFile } from 'node:fs/promises'
import { exec } from '../_exec.js'
import { Codes, StoreError } from '../errors.js'

/** Mount points (deepest first) at or under `dir`, from /proc/self/mountinfo. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8')
  const base = dir.replace(/\/+$/, '')
  const found: string[] = []
  for (const line of text.split('\n')) {
    const target = line.split(' ')[4]
    if (!target) continue
    // mountinfo escapes space, tab, newline and backslash as \ooo.
    const p = target.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
    if (p === base || p.startsWith(base + '/')) found.push(p)
  }
  return found.sort((a, b) => b.length - a.length)
}

/** Unmount everything at or under `dir`; lazily when busy. Throws when something stays mounted. */
export async function unmountUnder(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) await unmount(m)
  const left = await mountsUnder(dir)
  if (left.length > 0) {
    throw new StoreError(Codes.DRIVER_UNAVAILABLE, `cannot unmount ${left.join(', ')}`, { data: { mounts: left } })
  }
}

export async function unmount(target: string): Promise<void> {
  const r = await exec('umount', [target])
  if (r.code === 0) return
  // Busy (an open file somewhere): detach now, the kernel frees it when the last user goes.
  const lazy = await exec('umount', ['-l', target])
  if (lazy.code !== 0 && (await mountsUnder(target)).includes(target)) {
    throw new StoreError(Codes.DRIVER_UNAVAILABLE, `cannot unmount ${target}: ${lazy.stderr.trim() || r.stderr.trim()}`)
  }
}
