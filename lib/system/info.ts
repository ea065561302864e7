// `store system info`: the storage driver, why it was chosen, the backing file system and the
// root dir, in Docker's ` Key: value` layout.

import type { Store } from '../store.js'
import { backingFilesystem, probeDrivers } from '../driver/index.js'
import { availableLaunchers } from '../runtime/index.js'
import { driverChoice } from '../container/_driver.js'
import { listContainerIds } from '../container/records.js'
import { currentState } from '../container/state.js'
import { VERSION } from '../version.js'
import { probeSharing } from '../driver/index.js'
import { readBudget } from '../snapshot/index.js'
import { humanSize } from '../units.js'

export async function systemInfo(store: Store): Promise<string> {
  const choice = await driverChoice(store)
  const probes = await probeDrivers(store.root)
  const budget = await readBudget(store.layout)
  const images = (await store.images.list()).length
  let running = 0
  let stopped = 0
  const ids = await listContainerIds(store)
  for (const id of ids) {
    const s = await currentState(store, id)
    if (s.status === 'running') running++
    else stopped++
  }
  const launchers = await availableLaunchers()
  const lines = [
    'Server:',
    ` Containers: ${ids.length}`,
    `  Running: ${running}`,
    '  Paused: 0',
    `  Stopped: ${stopped}`,
    ` Images: ${images}`,
    ` Server Version: store ${VERSION}`,
    ` Storage Driver: ${choice.name}`,
    `  Backing Filesystem: ${await backingFilesystem(store.root)}`,
    `  Chosen Because: ${choice.reason}`,
    ...probes.map((p) => `  Probe ${p.name}: ${p.ok ? 'ok' : 'unavailable'} (${p.reason})`),
    `  Snapshot Sharing: ${choice.sharing.method}`,
    `   Chosen Because: ${choice.sharing.reason}`,
    ...(await probeSharing(store.root, choice.name)).map((p) => `   Probe ${p.method}: ${p.ok ? 'ok' : 'unavailable'} (${p.reason})`),
    `   Snapshot Budget: ${budget === undefined ? 'none' : humanSize(budget)}`,
    `  Chunking: FastCDC (${store.chunker.name}), SHA-256 (${store.hash.name})`,
    ` Runtimes: ${launchers.join(' ')}`,
    ' Default Runtime: builtin',
    ` Kernel Version: ${(await import('node:os')).release()}`,
    ` Operating System: ${(await import('node:os')).type()}`,
    ` Architecture: ${process.arch === 'x64' ? 'x86_64' : process.arch}`,
    ` CPUs: ${(await import('node:os')).cpus().length}`,
    ` Store Root Dir: ${store.root}`,
  ]
  return lines.join('\n') + '\n'
}
