// Restart policies (`--restart no|always|unless-stopped|on-failure[:N]`), applied by the
// container's supervisor when the container ends: no daemon, so the monitor of a detached
// container keeps it going (a foreground `run` hands the next start to a monitor), and a host
// reboot restarts nothing. `stop` and `kill` leave a mark in the container's dir that a policy
// respects (Docker's manually-stopped flag); the next `start` removes it.

import { rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { hostEnv } from '../config.js'

export interface RestartPolicy {
  Name: 'no' | 'always' | 'unless-stopped' | 'on-failure'
  MaximumRetryCount: number
}

/** `--restart` as Docker's CLI and daemon read it (their messages). */
export function parseRestart(v: string | undefined, autoRemove: boolean): RestartPolicy | undefined {
  if (v === undefined || v === '' || v === 'no') return undefined
  if (autoRemove) throw new StoreError(Codes.INVALID_ARGUMENT, 'conflicting options: cannot specify both --restart and --rm')
  const [name, count, extra] = v.split(':')
  if (extra !== undefined) throw new StoreError(Codes.INVALID_ARGUMENT, 'invalid restart policy format: maximum retry count must be an integer')
  if (count !== undefined && !/^-?\d+$/.test(count)) throw new StoreError(Codes.INVALID_ARGUMENT, 'invalid restart policy format: maximum retry count must be an integer')
  if (name !== 'always' && name !== 'unless-stopped' && name !== 'on-failure') throw new StoreError(Codes.INVALID_ARGUMENT, `invalid restart policy '${name}'`)
  if (count !== undefined && name !== 'on-failure') throw new StoreError(Codes.INVALID_ARGUMENT, `maximum retry count cannot be used with restart policy '${name}'`)
  const n = Number(count ?? 0)
  if (n < 0) throw new StoreError(Codes.INVALID_ARGUMENT, 'maximum retry count cannot be negative')
  return { Name: name, MaximumRetryCount: n }
}

const mark = (store: Store, id: string) => `${store.layout.container(id)}/stopped-by-user`

/** `stop`/`kill` say the user ended it: no policy restarts it. */
export const markStopped = (store: Store, id: string) => writeFile(mark(store, id), '').catch(() => {})
export const clearStopped = (store: Store, id: string) => rm(mark(store, id), { force: true })
export const stoppedByUser = (store: Store, id: string) => existsSync(mark(store, id))

/** Should a container that ended with `code` after `restarts` restarts start again? */
export function shouldRestart(p: RestartPolicy | undefined, code: number, restarts: number, manual: boolean): boolean {
  if (!p || manual) return false
  if (p.Name === 'on-failure') return code !== 0 && (p.MaximumRetryCount === 0 || restarts < p.MaximumRetryCount)
  return true
}

/**
 * Docker's back-off between restarts: 100 ms, doubling, at most a minute. `STORE_RESTART_DELAY_MS`
 * sets the first delay (a spec holds a container in its `restarting` state with it).
 */
export const restartDelay = (restarts: number): number => Math.min(60_000, Number(hostEnv().STORE_RESTART_DELAY_MS || 100) * 2 ** restarts)
