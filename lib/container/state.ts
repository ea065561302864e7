// A container's real state: what state.json says, checked against the process table, so a
// supervisor that was killed (kill -9 of `store run`) shows as exited, never as running forever.

import type { Store } from '../store.js'
import { humanDuration } from '../units.js'
import { processStart, readState, writeState } from './records.js'
import type { ContainerState } from './types.js'

/** Exit code recorded when the supervisor vanished: its launcher died of SIGKILL with it. */
export const LOST_EXIT_CODE = 137

export async function currentState(store: Store, id: string): Promise<ContainerState> {
  const s = await readState(store, id)
  if (s.status !== 'running') return s
  const start = await processStart(s.pid)
  if (start !== undefined && (s.pidStart === undefined || start === s.pidStart)) return s
  // Gone, but it may have recorded the exit between our read and its end (it writes the state,
  // then exits): read again now that it is gone, or a real status would be overwritten by 137.
  const now = await readState(store, id)
  if (now.status !== 'running' || now.pid !== s.pid || now.pidStart !== s.pidStart) return now
  const fixed: ContainerState = { ...s, status: 'exited', exitCode: LOST_EXIT_CODE, finishedAt: s.finishedAt || new Date().toISOString(), error: 'supervisor process vanished' }
  await writeState(store, id, fixed).catch(() => {})
  return fixed
}

export async function isContainerRunning(store: Store, id: string): Promise<boolean> {
  return (await currentState(store, id)).status === 'running'
}

/** Docker's STATUS column: Created, Up 3 seconds, Exited (0) 2 minutes ago. */
export function statusText(s: ContainerState, now: Date): string {
  if (s.status === 'created') return 'Created'
  if (s.status === 'running') return `Up ${humanDuration(now.getTime() - Date.parse(s.startedAt))}`
  return `Exited (${s.exitCode}) ${humanDuration(now.getTime() - Date.parse(s.finishedAt))} ago`
}
