#!/usr/bin/env node
// The per-container monitor of a detached container: started by `store run -d` / `store start`,
// it runs the container to its end with output into the container log and records the exit
// status, so `store ps` shows real states without a daemon; it also applies the container's
// restart policy (lib/container/restart.ts). Usage: monitor.js ROOT ID [RESTARTS]

import { openStore } from '../lib/store.js'
import { readRecord } from '../lib/container/records.js'
import { supervise } from '../lib/container/start.js'
import { configFromEnv } from '../lib/config.js'
import { removeContainer } from '../lib/container/lifecycle.js'
import { restartDelay, shouldRestart, stoppedByUser } from '../lib/container/restart.js'

async function main(): Promise<void> {
  const [root, id, startCount] = process.argv.slice(2)
  const store = await openStore({ ...configFromEnv(process.env), root })
  const rec = await readRecord(store, id)
  if (!rec) {
    process.stderr.write(`monitor: no container ${id}\n`)
    process.exit(1)
  }
  let restarts = Number(startCount ?? 0)
  for (;;) {
    let code: number
    try {
      code = await supervise(store, rec, {
        stdio: 'log',
        restartCount: restarts,
        remove: rec.autoRemove ? (r) => removeContainer(store, r, { force: true, volumes: true }) : undefined,
      })
    } catch (e) {
      process.stderr.write(`Error: ${(e as Error).message}\n`)
      process.exitCode = 125
      code = 125
    }
    // The policy as it is now (`store update --restart` may have changed it meanwhile).
    const policy = (await readRecord(store, id))?.restart
    if (!shouldRestart(policy, code, restarts, stoppedByUser(store, id))) return
    await new Promise((r) => setTimeout(r, restartDelay(restarts)))
    // Stopped or removed during the pause: that ends the policy too.
    if (stoppedByUser(store, id) || !(await readRecord(store, id))) return
    restarts++
    process.exitCode = 0
  }
}

// A function, not top-level await: the monitor is bundled as CommonJS (scripts/bundle.mjs).
void main()
