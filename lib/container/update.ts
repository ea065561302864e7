// `store update`: a container's limits and restart policy changed, in its record and (running)
// in its control groups at once, as Docker's.

import type { Store } from '../store.js'
import { Codes, StoreError } from '../errors.js'
import { applyLimits, checkLimits, hasLimits, type Limits } from './cgroup.js'
import { parseRestart } from './restart.js'
import { currentState } from './state.js'
import { writeRecord } from './records.js'
import type { ContainerRecord } from './types.js'

export async function updateContainer(store: Store, rec: ContainerRecord, o: { limits?: Limits; restart?: string }): Promise<void> {
  const given = Object.fromEntries(Object.entries(o.limits ?? {}).filter(([, v]) => v !== undefined)) as Limits
  const limits: Limits = { ...(rec.limits ?? {}), ...given }
  try {
    checkLimits(limits)
  } catch (e) {
    // The same checks as run's, but a failed update exits 1 (no container was being started).
    throw new StoreError(Codes.INVALID_ARGUMENT, (e as Error).message)
  }
  const restart = o.restart === undefined ? rec.restart : parseRestart(o.restart, rec.autoRemove)
  if (o.restart !== undefined && rec.autoRemove && o.restart !== 'no') {
    throw new StoreError(Codes.INVALID_ARGUMENT, 'Restart policy cannot be updated because AutoRemove is enabled for the container')
  }
  const st = await currentState(store, rec.id)
  if (st.status === 'running' && hasLimits(given)) {
    if (!st.cgroups) throw new StoreError(Codes.UNSUPPORTED, `container ${rec.id} has no control groups to update (rootless, or none here)`)
    await applyLimits(st.cgroups, limits)
  }
  const { limits: _l, restart: _r, ...rest } = rec
  await writeRecord(store, { ...rest, ...(hasLimits(limits) ? { limits } : {}), ...(restart ? { restart } : {}) })
}
