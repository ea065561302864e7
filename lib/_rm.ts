// rm -r that also works without root: overlayfs in a user namespace leaves work/work with mode
// 000 (owned by us), which a plain recursive rm cannot enter.

// Synchronous: a container's dir is a few dozen entries, and the asynchronous rm made a thread
// round trip for each (~5 ms of every `store run --rm`). Large trees (snapshots) block the event
// loop while they go, which no caller needs in the meantime.
import { rmSync } from 'node:fs'
import { exec } from './_exec.js'

export async function rmTree(path: string): Promise<void> {
  try {
    rmSync(path, { recursive: true, force: true })
  } catch (e: any) {
    if (e?.code !== 'EACCES' && e?.code !== 'EPERM') throw e
    await exec('chmod', ['-R', 'u+rwX', '--', path])
    rmSync(path, { recursive: true, force: true })
  }
}
