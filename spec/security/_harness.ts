// What every security spec shares: a temp dir (the only place they write, besides the store
// root inside it), a busybox image imported into that root, a canary folder that hostile input
// aims at, and cleanup of every container and mount a spec made, even when it failed.

import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { requireBuilt, tempDir, type CliResult } from '../_fixtures/cli.js'
import { storeIn } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { makeCanary } from '../_fixtures/hostile.js'

export const why = busyboxUnavailable()

export interface Env {
  tmp: string
  root: string
  rootfs: string
  canary: { dir: string; fingerprint: () => string }
  /** The canary's fingerprint when the spec file started. */
  pristine: string
}

/** Registers the hooks; the returned object is filled in beforeAll. */
export function securityEnv(prefix: string): Env {
  const env = {} as Env
  let tmp: { dir: string; cleanup: () => void } | undefined
  beforeAll(async () => {
    if (why) return
    requireBuilt()
    tmp = tempDir(prefix)
    env.tmp = tmp.dir
    env.root = join(tmp.dir, 'root')
    env.rootfs = makeBusyboxRoot(join(tmp.dir, 'rootfs'))
    env.canary = makeCanary(join(tmp.dir, 'canary'))
    env.pristine = env.canary.fingerprint()
    ok(await storeIn(env.root, ['import', env.rootfs, 'busybox']))
  })
  afterEach(async () => {
    if (tmp) await cleanup(env)
  })
  afterAll(async () => {
    if (!tmp) return
    try {
      await cleanup(env)
    } finally {
      tmp.cleanup()
    }
  })
  return env
}

/** Every container of the root removed (with its anonymous volumes), then anything mounted under tmp. */
async function cleanup(env: Env): Promise<void> {
  const dir = join(env.root, 'containers')
  const ids = existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []
  if (ids.length) await storeIn(env.root, ['rm', '-f', '-v', ...ids])
  const mounts = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout.split('\n')
  for (const m of mounts.filter((m) => m.startsWith(env.tmp + '/')).sort().reverse()) spawnSync('umount', ['-l', m])
}

export function ok(r: CliResult): CliResult {
  expect(r.status, r.stderr).toBe(0)
  return r
}

/** `store ...` against the spec's root. */
export const store = (env: Env, args: string[], o: { cwd?: string; timeoutMs?: number } = {}) => storeIn(env.root, args, { timeoutMs: 60_000, ...o })

/** The canary is exactly as made: no file added, changed, re-moded or removed. */
export function expectCanaryUntouched(env: Env): void {
  expect(env.canary.fingerprint()).toBe(env.pristine)
}
