// The store each fault spec works on: a temp dir per file (busybox root and test data made
// once), a store root per test with a base image and one more image that must survive every
// trial, and after each test: every process we started killed, one prune that must leave
// nothing of any killed run, fsck clean. Mounts under the temp dir are undone at the end.

import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { join } from 'node:path'
import { requireBuilt, tempDir } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { stopAll, unmountBelow } from './_procs.js'
import { makeTree } from './_data.js'
import { expectNoLeftovers, expectSound, keep, type KeptImage } from './_check.js'
import { ok } from './_trials.js'

export const skip = busyboxUnavailable() !== undefined

export interface FaultStore {
  /** The file's temp dir. */
  dir: string
  /** This test's store root. */
  root: string
  /** Images that must stay whole and tagged. */
  kept: KeptImage[]
}

export function useFaultStore(prefix: string, opts: { prune?: string[] } = {}): FaultStore {
  const t = { dir: '', root: '', kept: [] as KeptImage[] }
  let tmp: { dir: string; cleanup: () => void } | undefined
  beforeAll(() => {
    if (skip) return
    requireBuilt()
    tmp = tempDir(`store-fault-${prefix}-`)
    t.dir = tmp.dir
    makeBusyboxRoot(join(t.dir, 'busybox'))
    makeTree(t.dir, 'keep', 40, 3000)
  }, 120_000)
  beforeEach(async (ctx) => {
    if (skip) return
    t.root = join(t.dir, ctx.task.name.replace(/\W+/g, '-'))
    await ok(t.root, ['import', join(t.dir, 'busybox'), 'base:1'])
    await ok(t.root, ['import', join(t.dir, 'keep'), 'keep:1'])
    t.kept = [await keep(t.root, 'base:1'), await keep(t.root, 'keep:1')]
  })
  afterEach(async () => {
    await stopAll()
    if (skip || !t.root) return
    unmountBelow(t.root)
    await ok(t.root, ['system', 'prune', '-f', ...(opts.prune ?? [])])
    await expectNoLeftovers(t.root)
    await expectSound(t.root, t.kept)
    expect(await ok(t.root, ['system', 'df'])).not.toContain('interrupted')
  })
  afterAll(async () => {
    await stopAll()
    if (!tmp) return
    unmountBelow(tmp.dir)
    tmp.cleanup()
  })
  return t
}
