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
  if (s.restarting && s.status !== 'running') {
    // Restarting while the supervisor that will start it again waits; gone (kill -9), it is not.
    const start = await processStart(s.pid)
    if (start !== undefined && (s.pidStart === undefined || start === s.pidStart)) return s
    const { restarting: _, ...ended } = s
    await writeState(store, id, ended).catch(() => {})
    return ended
  }
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

/** Docker's State.Status: created, running, restarting, exited (paused is the freezer's, asked apart). */
export const stateName = (s: ContainerState): string => (s.restarting && s.status !== 'running' ? 'restarting' : s.status)

/** Marks a container's ended run as waiting for its policy's restart, or no longer (stop, rm, gave up). */
export async function setRestarting(store: Store, id: string, on: boolean): Promise<void> {
  const s = await readState(store, id)
  if (s.status === 'running' || !!s.restarting === on) return
  const { restarting: _, ...rest } = s
  await writeState(store, id, on ? { ...rest, restarting: true } : rest)
}

export async function isContainerRunning(store: Store, id: string): Promise<boolean> {
  return (await currentState(store, id)).status === 'running'
}

/** Docker's STATUS column: Created, Up 3 seconds, Exited (0) 2 minutes ago. */
export function statusText(s: ContainerState, now: Date): string {
  if (s.status === 'created') return 'Created'
  if (s.status === 'running') return `Up ${humanDuration(now.getTime() - Date.parse(s.startedAt))}`
  if (s.restarting) return `Restarting (${s.exitCode}) ${humanDuration(now.getTime() - Date.parse(s.finishedAt))} ago`
  return `Exited (${s.exitCode}) ${humanDuration(now.getTime() - Date.parse(s.finishedAt))} ago`
}
