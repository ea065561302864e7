// The store's storage driver: probed once and kept in driver.json (a store keeps its driver);
// --storage-driver / STORE_DRIVER forces one for this invocation.

import type { Store } from '../store.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { getDriver, selectDriver } from '../driver/index.js'
import type { DriverName, StorageDriver } from '../driver/types.js'

export interface DriverChoice {
  name: DriverName
  reason: string
}

export async function driverChoice(store: Store): Promise<DriverChoice> {
  const forced = store.options.driver as DriverName | undefined
  const kept = await readJson<DriverChoice>(store.layout.driverFile)
  if (kept && (!forced || forced === kept.name)) return kept
  const sel = await selectDriver(store.root, forced)
  const choice: DriverChoice = { name: sel.name, reason: sel.reason }
  if (!kept) await writeFileAtomic(store.layout.driverFile, JSON.stringify(choice))
  return choice
}

export async function storeDriver(store: Store): Promise<StorageDriver> {
  return getDriver((await driverChoice(store)).name)
}
