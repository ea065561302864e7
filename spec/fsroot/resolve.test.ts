// resolveInRoot(): containerd's RootPath semantics, over an in-memory tree (pure cases), a host
// folder and a merged stack of snapshots. A property test with a fixed seed throws random link
// graphs at it and checks the answer is always inside the root and agrees with the kernel.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_LINKS, hostTree, resolveInRoot, resolveParent, type RootFs } from '../../lib/fsroot/index.js'
import { mergedView } from '../../lib/driver/index.js'
import { isStoreError } from '../../lib/errors.js'
import { BUSYBOX, busyboxUnavailable } from '../_fixtures/busybox.js'

/** A tree as path -> 'dir' | 'file' | link target. */
function memFs(tree: Record<string, string>): RootFs {
  const kind = (v: string | undefined) => v && { isDirectory: () => v === 'dir', isSymbolicLink: () => v.startsWith('->') }
  return {
    lstat: async (rel) => (rel === '' ? kind('dir') : kind(tree[rel])) || undefined,
    readlink: async (rel) => tree[rel].slice(2),
  }
}

describe('resolveInRoot() (in memory)', () => {
  const fs = memFs({ etc: 'dir', 'etc/passwd': 'file', abs: '->/etc', rel: '->../../../../etc', chain: '->abs', usr: 'dir', 'usr/lib': 'dir', lib: '->usr/lib', self: '->self', dot: '->.', file: 'file' })

  test.each([
    ['abs/passwd', 'etc/passwd'],
    ['rel/passwd', 'etc/passwd'],
    ['chain/passwd', 'etc/passwd'],
    ['lib/x.so', 'usr/lib/x.so'],
    ['../../etc/passwd', 'etc/passwd'],
    ['etc/../../../abs', 'abs'],
    ['dot/dot/etc', 'etc'],
    ['missing/../etc/passwd', 'etc/passwd'],
    ['missing/deeper/x', 'missing/deeper/x'],
    ['', ''],
  ])('%s resolves to %s', async (path, want) => {
    expect((await resolveInRoot(fs, path)).rel).toBe(want)
  })

  test('the last component is followed only when asked', async () => {
    expect(await resolveInRoot(fs, 'abs')).toMatchObject({ rel: 'abs' })
    expect((await resolveInRoot(fs, 'abs')).stat?.isSymbolicLink()).toBe(true)
    expect((await resolveInRoot(fs, 'abs', { follow: true })).rel).toBe('etc')
    expect((await resolveInRoot(fs, 'abs', { follow: true })).stat?.isDirectory()).toBe(true)
  })

  test('a missing path has no stat; a file in a parent position is missing too', async () => {
    expect(await resolveInRoot(fs, 'nope/x')).toEqual({ rel: 'nope/x' })
    expect((await resolveInRoot(fs, 'file/x')).stat).toBeUndefined()
  })

  test(`a loop fails with SYMLINK_LOOP after ${MAX_LINKS} links`, async () => {
    const e = await resolveInRoot(fs, 'self/x').catch((x) => x)
    expect(isStoreError(e, 'SYMLINK_LOOP'), String(e)).toBe(true)
    expect(e.message).toBe('too many levels of symbolic links resolving "self/x"')
  })

  test('resolveParent() follows the parent and keeps the name', async () => {
    expect((await resolveParent(fs, 'abs/shadow')).rel).toBe('etc/shadow')
    expect((await resolveParent(fs, 'abs')).rel).toBe('abs')
  })
})

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-fsroot-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('resolveInRoot() over a host folder', () => {
  test('absolute and relative links out land inside the root', async () => {
    const root = join(dir, 'root')
    mkdirSync(join(root, 'etc'), { recursive: true })
    writeFileSync(join(root, 'etc/passwd'), 'inside\n')
    symlinkSync('/etc', join(root, 'abs'))
    symlinkSync('../../../../../../etc', join(root, 'rel'))
    const fs = hostTree(root)
    for (const p of ['abs/passwd', 'rel/passwd']) {
      const r = await resolveInRoot(fs, p)
      expect(r.rel).toBe('etc/passwd')
      expect(r.stat?.isFile()).toBe(true)
    }
  })

  test('property: random link graphs never resolve outside the root, and agree with the kernel in a chroot (seeded)', async () => {
    const names = ['a', 'b', 'c', 'd']
    const target = fc.oneof(
      fc.constantFrom('/', '..', '.', '../..', '/a', 'a/b', '../c/d', '/b/../..', 'd/..'),
      fc.array(fc.constantFrom(...names, '..', '.'), { minLength: 1, maxLength: 4 }).map((p) => p.join('/')),
      fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((p) => '/' + p.join('/')),
    )
    const entry = fc.oneof(fc.constant({ kind: 'dir' as const }), fc.constant({ kind: 'file' as const }), target.map((t) => ({ kind: 'link' as const, t })))
    const tree = fc.dictionary(fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 2 }).map((p) => p.join('/')), entry, { minKeys: 4, maxKeys: 16 })
    const query = fc.array(fc.constantFrom(...names, '..'), { minLength: 1, maxLength: 4 }).map((p) => p.join('/'))
    let n = 0
    let compared = 0
    // busybox, copied once into the temp dir (hard links of it go into each root).
    const bb = busyboxUnavailable() === undefined ? join(dir, 'busybox') : undefined
    if (bb) copyFileSync(BUSYBOX, bb)
    await fc.assert(
      fc.asyncProperty(tree, query, async (t, q) => {
        const root = join(dir, `r${n++}`)
        mkdirSync(root)
        // Parents first; an entry whose parent is not a dir is skipped.
        for (const [p, e] of Object.entries(t).sort(([x], [y]) => x.length - y.length)) {
          try {
            if (e.kind === 'dir') mkdirSync(join(root, p))
            else if (e.kind === 'file') writeFileSync(join(root, p), '')
            else symlinkSync(e.t, join(root, p))
          } catch {
            // parent missing or not a dir
          }
        }
        const r = await resolveInRoot(hostTree(root), q, { follow: true }).catch((e) => e)
        if (isStoreError(r, 'SYMLINK_LOOP')) return
        expect(r.rel.split('/')).not.toContain('..')
        if (r.stat) {
          // What exists is reached by a path with no link in it, inside the root.
          expect(join(realpathSync(root), r.rel)).toBe(realpathSync(join(root, r.rel)))
          // And the kernel, jailed in the root (absolute links restart there, ".." stops there),
          // finds the same entry.
          if (bb) {
            linkSync(bb, join(root, 'busybox'))
            // Where the kernel fails (".." after a missing entry or a file) we are lexical, as
            // containerd's RootPath is: still inside the root.
            const k = spawnSync('chroot', [root, '/busybox', 'realpath', `/${q}`], { encoding: 'utf8' })
            if (k.status === 0) expect(k.stdout.trim()).toBe(`/${r.rel}`)
            if (k.status === 0) compared++
          }
        }
      }),
      { numRuns: 150, seed: 20261207 },
    )
    if (bb) expect(compared).toBeGreaterThan(40)
  })
})

describe('resolveInRoot() over merged snapshots', () => {
  test('a link in an upper snapshot is followed into the merged view, a whiteout hides', async () => {
    const lower = join(dir, 'lower')
    const upper = join(dir, 'upper')
    mkdirSync(join(lower, 'data/real'), { recursive: true })
    writeFileSync(join(lower, 'data/real/f'), 'lower\n')
    mkdirSync(join(upper, 'data'), { recursive: true })
    symlinkSync('/data/real', join(upper, 'link'))
    const view = mergedView([upper, lower])
    const r = await resolveInRoot(view, 'link/f')
    expect(r.rel).toBe('data/real/f')
    expect((await view.entry(r.rel))?.path).toBe(join(lower, 'data/real/f'))
    if (process.getuid?.() === 0) {
      spawnSync('mknod', [join(upper, 'data/real'), 'c', '0', '0'])
      const hidden = await resolveInRoot(mergedView([upper, lower]), 'link/f')
      expect(hidden.stat).toBeUndefined()
    }
  })
})
