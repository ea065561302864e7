// `store rename`: a container's name changed under the names lock (as create claims one), its
// record rewritten whole; Docker's messages for a name in use or unchanged.

import { emit } from '../events.js'
import type { Store } from '../store.js'
import { withLock } from '../_lock.js'
import { Codes, StoreError } from '../errors.js'
import { nameInUse, validateName } from './names.js'
import { listContainers, requireContainer, writeRecord } from './records.js'

export async function renameContainer(store: Store, which: string, newName: string): Promise<void> {
  const name = validateName(newName)
  await withLock(store.layout, 'names', async () => {
    const rec = await requireContainer(store, which)
    if (rec.name === name) throw new StoreError(Codes.INVALID_ARGUMENT, 'Renaming a container with the same name as its current name')
    const other = (await listContainers(store)).find((x) => x.name === name)
    if (other) {
      const e = nameInUse(name, other.id)
      throw new StoreError(Codes.NAME_IN_USE, `Error when allocating new name: ${e.message}`, { data: e.data })
    }
    await writeRecord(store, { ...rec, name })
    await emit(store.layout, 'container', 'rename', rec.id, { image: rec.imageRef, name, oldName: `/${rec.name}` })
  })
}
