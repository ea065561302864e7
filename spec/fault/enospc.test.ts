// A full disk, for real: the store root on a tmpfs of 12 MiB mounted in the spec's temp dir,
// filled by a file. tag, import, build (with a RUN) and volume create fail with Go's "no space
// left on device" (no stack trace) and leave nothing behind that blocks anyone: once the file
// is removed, every command works at once (a lock left empty by a full disk used to block
// every tag for 120 s, forever). Then the disk is filled to leave 16 KiB … 1.25 MiB, so each
// operation runs out at a different point; after each, space is freed, fsck is clean, and the
// operations give the same IDs as on a roomy disk.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, tempDir } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { importImage } from '../../lib/image/import.js'
import { stopAll, store, unmountBelow } from './_procs.js'
import { makeTree } from './_data.js'
import { diffIdsOf, expectNoLeftovers, expectSound, keep, open, type KeptImage } from './_check.js'
import { ok } from './_trials.js'

const skip = busyboxUnavailable() !== undefined
const SDE = { SOURCE_DATE_EPOCH: '1700000000' }
let tmp: { dir: string; cleanup: () => void }
let fs: string
let root: string
let kept: KeptImage[]

beforeEach(async () => {
  if (skip) return
  requireBuilt()
  tmp = tempDir('store-fault-enospc-')
  fs = join(tmp.dir, 'fs')
  mkdirSync(fs)
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', fs], { encoding: 'utf8' })
  if (m.status !== 0) throw new Error(`mount tmpfs: ${m.stderr}`)
  root = join(fs, 'root')
  makeBusyboxRoot(join(tmp.dir, 'busybox'))
  await ok(root, ['import', join(tmp.dir, 'busybox'), 'base:1'])
  kept = [await keep(root, 'base:1')]
  writeFileSync(join(tmp.dir, 'Dockerfile'), 'FROM base:1\nRUN for i in $(seq 1 100); do echo $i > /r$i; done\n')
}, 60_000)
afterEach(async () => {
  await stopAll()
  if (!tmp) return
  unmountBelow(tmp.dir)
  tmp.cleanup()
})

/** Fills the file system until `leaveKiB` are left (0: until a write fails). */
function fill(leaveKiB: number): void {
  const s = statfsSync(fs)
  const size = Number(s.bavail) * Number(s.bsize) - leaveKiB * 1024
  const count = leaveKiB === 0 ? [] : ['iflag=count_bytes', `count=${Math.max(0, size)}`]
  spawnSync('dd', ['if=/dev/zero', `of=${join(fs, 'fill')}`, 'bs=64k', ...count])
}
const free = () => rmSync(join(fs, 'fill'), { force: true })

/**
 * Failed as a full disk does: Go's words, a hint, no stack trace; or succeeded. A RUN whose
 * command itself runs out of space fails as that command (exit 1, BuildKit's words), as in
 * Docker: its container's exit status is kept even on a full disk.
 */
function fullOrOk(r: { status: number; stderr: string }, what: string): boolean {
  if (r.status === 0) return true
  if (what.startsWith('build') && r.status === 1) {
    expect(r.stderr, what).toMatch(/^Error: The command '.*' returned a non-zero code: \d+\n$/)
    return false
  }
  expect(r.status, `${what}: ${r.stderr}`).toBe(125)
  expect(r.stderr, what).toMatch(/^Error: (?:\w+ \S+: )?no space left on device\nhint: free some space and run the command again/)
  expect(r.stderr, what).not.toMatch(/\n\s+at /)
  return false
}

/** Nothing under locks/ that anyone would wait for. */
const noLockFiles = () => expect(readdirSync(join(root, 'locks')).filter((n) => n !== 'leases')).toEqual([])

describe.skipIf(skip)('a full disk', () => {
  test('tag, import, build and volume create fail clearly, and all work once space is freed', async () => {
    const src = makeTree(tmp.dir, 'src', 40, 3000)
    fill(0)
    for (const [what, args, env] of [
      ['tag', ['tag', 'base:1', 'again:1']],
      ['import', ['import', src, 'src:1']],
      ['build', ['build', '-q', '-t', 'built:1', '-f', join(tmp.dir, 'Dockerfile'), tmp.dir], SDE],
      ['volume create', ['volume', 'create', 'v1']],
    ] as [string, string[], Record<string, string>?][]) {
      expect(fullOrOk(await store(root, args, { env, timeoutMs: 20_000 }), what)).toBe(false)
      noLockFiles()
    }
    free()
    // At once: a hung command is killed after 20 s and fails here.
    await ok(root, ['tag', 'base:1', 'again:1'])
    await ok(root, ['import', src, 'src:1'])
    await ok(root, ['build', '-q', '-t', 'built:1', '-f', join(tmp.dir, 'Dockerfile'), tmp.dir], SDE)
    await ok(root, ['volume', 'create', 'v1'])
    await expectSound(root, kept)
    await ok(root, ['system', 'prune', '-f'])
    await expectNoLeftovers(root)
  }, 120_000)

  test('running out at different points of import, build and volume create leaves a store that works once space is freed', async () => {
    const src = makeTree(tmp.dir, 'big', 300, 4000)
    const wantLayer = [(await importImage(await open(join(tmp.dir, 'ref')), { source: src })).layer.diffId]
    let wantBuild: string | undefined
    for (const leave of [16, 64, 640, 1280]) {
      fill(leave)
      const made = {
        import: fullOrOk(await store(root, ['import', src, `big:${leave}`], { env: { STORE_IMPORT_MEMO: '0' } }), `import, ${leave} KiB left`),
        build: fullOrOk(await store(root, ['build', '--no-cache', '-q', '-t', `built:${leave}`, '-f', join(tmp.dir, 'Dockerfile'), tmp.dir], { env: SDE }), `build, ${leave} KiB left`),
        volume: fullOrOk(await store(root, ['volume', 'create', `v${leave}`]), `volume create, ${leave} KiB left`),
      }
      noLockFiles()
      free()
      await expectSound(root, kept)
      if (!made.import) await ok(root, ['import', src, `big:${leave}`], { STORE_IMPORT_MEMO: '0' })
      expect(await diffIdsOf(root, `big:${leave}`)).toEqual(wantLayer)
      const id = (await ok(root, ['build', '--no-cache', '-q', '-t', `built:${leave}`, '-f', join(tmp.dir, 'Dockerfile'), tmp.dir], SDE)).trim()
      wantBuild ??= id
      expect(id).toBe(wantBuild)
      await ok(root, ['volume', 'create', `v${leave}`])
      // Room for the next level: what a failed run left is garbage until the prune.
      await ok(root, ['rmi', `big:${leave}`])
      await ok(root, ['system', 'prune', '-f'])
      await expectNoLeftovers(root)
      await expectSound(root, kept)
    }
  }, 180_000)
})
