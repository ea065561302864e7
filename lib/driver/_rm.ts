// rm -r that also works without root: overlayfs in a user namespace leaves work/work with mode
// 000 (owned by us), which a plain recursive rm cannot enter.

import { rm } from 'node:fs/promises'
import { exec } from './_exec.js'

export async function rmTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true })
  } catch (e: any) {
    if (e?.code !== 'EACCES' && e?.code !== 'EPERM') throw e
    await exec('chmod', ['-R', 'u+rwX', '--', path])
    await rm(path, { recursive: true, force: true })
  }
}
