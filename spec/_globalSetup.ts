// Once around the whole run (vitest.config.ts globalSetup): at the end, any store bridge whose
// root is gone (a spec's temp root removed while a container's supervisor had been killed, so
// nobody removed the bridge) is removed with its NAT rules. Bridges of live roots are left.

import { access } from 'node:fs/promises'

export default function setup(): () => Promise<void> {
  return async () => {
    if (process.getuid?.() !== 0) return
    const { removeOrphanBridges } = await import('../lib/network/index.js')
    const gone = await removeOrphanBridges((root) => access(root).then(() => true, () => false))
    if (gone.length) process.stderr.write(`removed store bridges left by specs: ${gone.join(', ')}\n`)
  }
}
