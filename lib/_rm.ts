// rm -r that also works without root: overlayfs in a user namespace leaves work/work with mode
// 000 (owned by us), which a plain recursive rm cannot enter. Only dirs are opened up: a
// container's upper dir may hold inodes the pool or a snapshot took (hard-link and copy
// forms), whose modes every other container sees (`chmod -R u+rwX` changed them too).

// Synchronous: a container's dir is a few dozen entries, and the asynchronous rm made a thread
// round trip for each (~5 ms of every `store run --rm`). Large trees (snapshots) block the event
// loop while they go, which no caller needs in the meantime.
import { chmodSync, lstatSync, readdirSync, rmSync } from 'node:fs'

export async function rmTree(path: string): Promise<void> {
  try {
    rmSync(path, { recursive: true, force: true })
  } catch (e: any) {
    if (e?.code !== 'EACCES' && e?.code !== 'EPERM') throw e
    openDirs(path)
    rmSync(path, { recursive: true, force: true })
  }
}

/** Every dir under `path` (itself included) made readable, writable and searchable by its owner; nothing else changed, no link followed. */
function openDirs(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false })
  if (!st?.isDirectory()) return
  try {
    chmodSync(path, (st.mode & 0o7777) | 0o700) // a dir lstat just saw: nothing to follow
  } catch {
    return // not ours: rm says why
  }
  for (const n of readdirSync(path)) openDirs(`${path}/${n}`)
}
