#!/usr/bin/env node
// The per-container monitor of a detached container: started by `store run -d` / `store start`,
// it runs the container to its end with output into the container log and records the exit
// status, so `store ps` shows real states without a daemon; it also applies the container's
// restart policy (lib/container/foreground.ts). Usage: monitor.js ROOT ID [RESTARTS]

import { configFromEnv, monitorContainer, openStore } from '../lib/index.js'

async function main(): Promise<void> {
  const [root, id, startCount] = process.argv.slice(2)
  const store = await openStore({ ...configFromEnv(process.env), root })
  process.exitCode = await monitorContainer(store, id, Number(startCount ?? 0), (e) => process.stderr.write(`Error: ${e.message}\n`))
}

// A function, not top-level await: the monitor is bundled as CommonJS (scripts/bundle.mjs).
void main()
