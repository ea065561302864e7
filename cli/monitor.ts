#!/usr/bin/env node
// The per-container monitor of a detached container: started by `store run -d` / `store start`,
// it runs the container to its end with output into the container log and records the exit
// status, so `store ps` shows real states without a daemon. Usage: monitor.js ROOT ID

import { openStore } from '../lib/store.js'
import { readRecord } from '../lib/container/records.js'
import { supervise } from '../lib/container/start.js'
import { removeContainer } from '../lib/container/lifecycle.js'

async function main(): Promise<void> {
  const [root, id] = process.argv.slice(2)
  const store = await openStore({ root, driver: process.env.STORE_DRIVER })
  const rec = await readRecord(store, id)
  if (!rec) {
    process.stderr.write(`monitor: no container ${id}\n`)
    process.exit(1)
  }
  try {
    await supervise(store, rec, {
      stdio: 'log',
      remove: rec.autoRemove ? (r) => removeContainer(store, r, { force: true, volumes: true }) : undefined,
    })
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`)
    process.exitCode = 125
  }
}

// A function, not top-level await: the monitor is bundled as CommonJS (scripts/bundle.mjs).
void main()
