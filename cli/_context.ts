// What every command handler gets: the opened store, from --root / STORE_ROOT.

import type { Store } from '../lib/index.js'

export interface GlobalArgs {
  root?: string
  'storage-driver'?: string
  'snapshot-budget'?: string
}

let opened: Promise<Store> | undefined

export async function getStore(argv: GlobalArgs): Promise<Store> {
  if (!opened) {
    const { configFromEnv, defaultRoot, openStore } = await import('../lib/index.js')
    // Configuration is read here, once (lib/config.ts): flags over the environment.
    const config = configFromEnv(process.env)
    const snapshotBudget = argv['snapshot-budget'] ?? (process.env.STORE_SNAPSHOT_BUDGET || undefined)
    opened = openStore({ ...config, root: argv.root ?? defaultRoot(), driver: argv['storage-driver'] ?? config.driver, snapshotBudget })
  }
  return opened
}

/** yargs reads a lone "-" (stdin) as `true` or "": give it back as "-". */
export function dash<T extends string | undefined>(v: T | boolean): T {
  return (v === true || v === '' ? '-' : v) as T
}
