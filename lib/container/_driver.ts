// The store's storage driver and how its snapshots share content: both probed once and kept in
// driver.json (a store keeps its driver, and its snapshots' form); --storage-driver /
// STORE_DRIVER forces a driver for this invocation, STORE_SNAPSHOT_SHARING a sharing method
// (recorded when the store has none yet: the way a test or a user picks a fallback).

import type { Store } from '../store.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { getDriver, probeSharing, probeSharingMethod, selectDriver } from '../driver/index.js'
import type { DriverName, StorageDriver } from '../driver/types.js'
import { isSharingMethod, SHARING_ORDER, type SharingMethod } from '../snapshot/types.js'
import { Codes, StoreError } from '../errors.js'

export interface DriverChoice {
  name: DriverName
  reason: string
  /** How snapshots share file content (absent in stores made before the pool). */
  sharing?: { method: SharingMethod; reason: string }
}

export async function driverChoice(store: Store): Promise<DriverChoice & { sharing: NonNullable<DriverChoice['sharing']> }> {
  const forced = store.options.driver as DriverName | undefined
  const kept = await readJson<DriverChoice>(store.layout.driverFile)
  let choice: DriverChoice
  if (kept && (!forced || forced === kept.name)) choice = kept
  else {
    const sel = await selectDriver(store.root, forced)
    choice = { name: sel.name, reason: sel.reason, ...(kept?.sharing ? { sharing: kept.sharing } : {}) }
  }
  const sharing = await sharingChoice(store, choice)
  if (!kept || !kept.sharing) await writeFileAtomic(store.layout.driverFile, JSON.stringify({ ...(kept ?? choice), sharing }))
  return { ...choice, sharing }
}

async function sharingChoice(store: Store, choice: DriverChoice): Promise<{ method: SharingMethod; reason: string }> {
  const forced = store.options.sharing
  if (forced !== undefined) {
    if (!isSharingMethod(forced)) {
      throw new StoreError(Codes.INVALID_ARGUMENT, `unknown snapshot sharing method "${forced}"`, { hint: `one of: ${SHARING_ORDER.join(', ')}` })
    }
    if (choice.sharing?.method === forced) return choice.sharing
    const p = await probeSharingMethod(store.root, choice.name, forced)
    if (!p.ok) throw new StoreError(Codes.DRIVER_UNAVAILABLE, `snapshot sharing "${forced}" is not usable here: ${p.reason}`, { data: { method: forced, reason: p.reason } })
    return { method: forced, reason: `chosen: ${p.reason}` }
  }
  if (choice.sharing) return choice.sharing
  for (const p of await probeSharing(store.root, choice.name)) if (p.ok) return { method: p.method, reason: p.reason }
  return { method: 'copy', reason: 'plain copies' } // copy always works; not reached
}

export async function storeDriver(store: Store): Promise<StorageDriver> {
  return getDriver((await driverChoice(store)).name)
}
