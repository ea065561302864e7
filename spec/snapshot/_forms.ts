// One contract, every way snapshots share content (lib/snapshot/types.ts): a suite written as a
// function of the form, run once per form this machine has. Two images of the same busybox
// base with the same bytes under other owners, modes and mtimes; a second layer deletes a
// file, makes a dir opaque, adds a hard link and reuses content. Each form must show exactly
// the layers' files (through the overlay driver and through the merged view and copies that
// never mount), keep the pool's files as they were when a container writes, and share what it
// promises to share. A container's writable layer committed directly (lib/snapshot/commit.ts)
// must be the very snapshot its ingested layer extracts to (_state.ts compares every entry),
// pass `fsck --snapshots`, take the container's inodes only where it may, and leave a container
// that stays as it was.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { collect, tempStore, fromBuffer } from '../_fixtures/store.js'
import { unavailable } from '../_fixtures/requires.js'
import { makeBusyboxRoot } from '../_fixtures/busybox.js'
import { tarOf, type Ent } from '../_fixtures/hostile.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { runInRoot, sh, treeDigest } from '../driver/_contract.js'
import { addLayer } from '../../lib/image/create.js'
import { changesTar, dirTar, indexEntries, loadIndex, type IndexEntry, type LayerRecord } from '../../lib/layer/index.js'
import { parseHeaderBytes } from '../../lib/tar/index.js'
import { commitSnapshot, dropSnapshot, ensureSnapshots, WritableFiles } from '../../lib/snapshot/index.js'
import { verifySnapshots } from '../../lib/snapshot/verify.js'
import { xattrHolders } from '../../lib/_xattr.js'
import { snapshotState } from './_state.js'
import { copyDriver, mergedView, overlayDriver, probeSharingMethod } from '../../lib/driver/index.js'
import { readMerged } from '../../lib/container/user.js'
import type { SharingMethod } from '../../lib/snapshot/types.js'

export interface FormCase {
  form: SharingMethod
  /** Why it cannot run here (not root, no busybox), or undefined. */
  unavailable: () => string | undefined
  /**
   * A file system of its own for the store, made before the suite and removed after it, when
   * the form needs one this machine's temp dir does not have (reflink on ext4). The form's
   * probe must then pass there: a failing probe is a failure, not a skip.
   */
  fileSystem?: () => { mnt: string; remove(): void }
  /** Equal bytes under other owners, modes, mtimes and paths are one pool file. */
  sharesAnyMetadata: boolean
}

const BIG = seededBytes(300_000).toString('latin1') // several chunks (tarOf writes it as UTF-8)
const same = 'same bytes everywhere\n'
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

/** The layers on top of busybox: `meta` changes owners, modes and mtimes (the second image). */
function top(meta: number): Ent[][] {
  const m = (mode: number) => ({ mode: mode - meta * 0o20, mtime: 1700000000 + meta * 1000 })
  return [
    [{ name: 'data/', type: 'dir' }, { name: 'data/a', data: same, ...m(0o644) }, { name: 'data/b', data: same, ...m(0o640) }, { name: 'data/big', data: BIG, ...m(0o755) },
     { name: 'data/gone', data: 'gone\n' }, { name: 'data/hl', type: 'hardlink', linkname: 'data/a' }, { name: 'data/op/', type: 'dir' }, { name: 'data/op/old', data: 'old\n' }],
    [{ name: 'data/.wh.gone' }, { name: 'data/op/.wh..wh..opq' }, { name: 'data/op/new', data: same, ...m(0o600) }, { name: 'data/c', data: BIG, ...m(0o700) }],
  ]
}

export function formSuite(c: FormCase): void {
  describe(`snapshot form: ${c.form}`, () => {
    let t: Awaited<ReturnType<typeof tempStore>>
    let fs: { mnt: string; remove(): void } | undefined
    let skip: string | undefined
    let chains: LayerRecord[][] = []
    const lowersOf = async (chain: LayerRecord[]) => (await ensureSnapshots(t.store.cas, t.store.layout, chain, { form: c.form })).dirs.reverse()

    beforeAll(async () => {
      skip = c.unavailable()
      if (skip) return
      if (c.fileSystem) fs = c.fileSystem()
      t = await tempStore(fs?.mnt)
      const probe = await probeSharingMethod(t.store.root, 'overlay', c.form)
      if (!probe.ok && fs) throw new Error(`the ${c.form} probe fails on the file system made for it: ${probe.reason}`)
      if (!probe.ok) {
        skip = unavailable(`snapshot form ${c.form}`, probe.reason) // printed; a failure under CI
        return
      }
      const base = (await addLayer(t.store, null, dirTar(makeBusyboxRoot(join(t.dir, 'bb'))))).record
      chains = []
      for (const meta of [0, 1]) {
        const chain = [base]
        for (const ents of top(meta)) chain.push((await addLayer(t.store, chain[chain.length - 1].chainId, fromBuffer(tarOf(ents)))).record)
        chains.push(chain)
      }
    })
    afterAll(async () => {
      // The file system made for the suite is unmounted and removed whatever failed before.
      try {
        if (t) {
          for (const d of readdirSync(t.dir).filter((n) => n.startsWith('c-'))) await overlayDriver().remove(join(t.dir, d))
          await t.cleanup()
        }
      } finally {
        fs?.remove()
      }
    })

    test('the merged view reads every file as the layers made it, without mounting', async (ctx) => {
      if (skip) return ctx.skip()
      for (const [i, chain] of chains.entries()) {
        const view = mergedView(await lowersOf(chain))
        expect(await readMerged(view, 'data/a')).toBe(same)
        expect(await readMerged(view, 'data/op/new')).toBe(same)
        expect(sha((await readMerged(view, 'data/c'))!)).toBe(sha(BIG))
        expect(await view.list('data')).toEqual(['a', 'b', 'big', 'c', 'hl', 'op'])
        expect(await view.list('data/op')).toEqual(['new'])
        const b = (await view.entry('data/b'))!.stat
        expect([b.mode & 0o7777, b.mtimeMs / 1000]).toEqual([0o640 - i * 0o20, 1700000000 + i * 1000])
      }
    })

    test('a container sees the layers; its writes copy up and leave the pool and the snapshots as they were', async (ctx) => {
      if (skip) return ctx.skip()
      const lowers = await lowersOf(chains[0])
      const before = lowers.map(treeDigest)
      const pool = poolDigest(t.store.layout.poolDir)
      const d = overlayDriver()
      const dir = join(t.dir, 'c-write')
      await d.create(dir, lowers)
      const out = runInRoot(d, dir, lowers, [
        'cat /data/a /data/op/new', 'ls /data/op', 'test ! -e /data/gone && echo no-gone', 'sha256sum /data/c | cut -c1-64',
        '[ "$(stat -c %i /data/a)" = "$(stat -c %i /data/hl)" ] && echo linked', 'echo more >> /data/a', 'chmod 600 /data/big', 'cat /data/a',
      ].join(' && '))
      expect(out).toBe(`${same}${same}new\nno-gone\n${sha(BIG)}\nlinked\n${same}more\n`)
      expect((await d.changes(dir, lowers)).map((x) => `${x.kind} ${x.path}`)).toEqual(['modify data', 'modify data/a', 'modify data/big'])
      expect(readFileSync(join(dir, 'upper/data/big')).equals(Buffer.from(BIG))).toBe(true) // a whole file, never metadata only
      expect(lowers.map(treeDigest)).toEqual(before)
      expect(poolDigest(t.store.layout.poolDir)).toBe(pool)
    })

    test('a copy of the snapshots (the copy driver) is plain files: bytes, metadata, no overlay markers', async (ctx) => {
      if (skip) return ctx.skip()
      const lowers = await lowersOf(chains[1])
      const dir = join(t.dir, 'c-copy')
      await copyDriver().create(dir, lowers)
      const f = (p: string) => join(dir, 'rootfs', p)
      expect(readFileSync(f('data/a'), 'utf8')).toBe(same)
      expect(readFileSync(f('data/c')).equals(Buffer.from(BIG))).toBe(true)
      expect(lstatSync(f('data/a')).ino).toBe(lstatSync(f('data/hl')).ino)
      expect(lstatSync(f('data/b')).mode & 0o7777).toBe(0o620)
      expect(readdirSync(f('data/op'))).toEqual(['new'])
      expect(sh(`getfattr -R -h -d -m - ${join(dir, 'rootfs', 'data')}`)).not.toContain('overlay')
      expect(await copyDriver().changes(dir, lowers)).toEqual([])
    })

    test(c.sharesAnyMetadata ? 'equal bytes are one pool file, whatever their owner, mode, mtime or path' : 'no pool, or shared only where metadata and path are equal', async (ctx) => {
      if (skip) return ctx.skip()
      for (const chain of chains) await lowersOf(chain)
      const files = poolFiles(t.store.layout.poolDir)
      const ofSame = files.filter((n) => n.includes(sha(same))).length
      const ofBig = files.filter((n) => n.includes(sha(BIG))).length
      if (c.sharesAnyMetadata) expect([ofSame, ofBig]).toEqual([1, 1])
      else if (c.form === 'copy') expect(files).toEqual([])
      else expect([ofSame, ofBig]).toEqual([6, 4]) // hard-link form: a/b/op/new, big/c, in each image
    })

    test('a writable layer committed directly is the snapshot its layer extracts to; inodes are taken only from a container that goes', async (ctx) => {
      if (skip) return ctx.skip()
      const { cas, layout } = t.store
      const chain = chains[0]
      for (const disposable of [true, false]) {
        const lowers = await lowersOf(chain)
        const d = overlayDriver()
        const dir = join(t.dir, `c-commit-${disposable}`)
        await d.create(dir, lowers)
        // Made from the host through the mount (busybox has no setfattr): a new file with an xattr
        // and a copy-up with one; overlayfs marks every copy-up with its own origin xattr too.
        // Seeded bytes, other ones each time (a layer of its own).
        const src = join(t.dir, `src-${disposable}`)
        mkdirSync(src)
        for (const [n, size, seed] of [['rand', 400_000, 1], ['one', 20_000, 2], ['x', 50_000, 3]] as const) writeFileSync(join(src, n), seededBytes(size, seed + (disposable ? 10 : 20)))
        const host = `mkdir $R/data/new && cp ${src}/rand ${src}/one $R/data/new/ && cp ${src}/x $R/data/new-x && setfattr -n user.k -v v $R/data/new-x && setfattr -n user.k -v v $R/data/a`
        const out = runInRoot(d, dir, lowers, [
          `mkdir -p /data/new/sub && echo ${disposable} > /data/new/small && : > /data/new/empty && cp /data/c /data/new/pooled`,
          'ln /data/new/rand /data/new/rand-hl && ln -s ../a /data/new/sym && mkfifo /data/new/fifo',
          'chown 5:6 /data/new/rand && chmod 4755 /data/new/one && chmod 0 /data/new/sub && touch -d @1600000000 /data/new/rand',
          'echo more >> /data/big && rm /data/b && rm -r /data/op && mkdir /data/op && echo n > /data/op/n2 && rmdir /sys',
          'sha256sum /data/new/rand /data/new/one /data/new/pooled /data/big /data/new-x /data/a | cut -c1-64',
        ].join(' && '), host)
        const upper = (p: string) => lstatSync(join(dir, 'upper', p)).ino
        const taken = { rand: upper('data/new/rand'), a: upper('data/a'), x: upper('data/new-x') }
        const changes = await d.changes(dir, lowers)
        const files = await WritableFiles.scan({ changes, disposable })
        let layer: LayerRecord[]
        try {
          const added = await addLayer(t.store, chain[chain.length - 1].chainId, changesTar(changes))
          layer = [...chain, added.record]
          expect(await commitSnapshot(cas, layout, layer, files, { form: c.form })).toBe('committed')
        } finally {
          files.close()
        }
        const top = layer[layer.length - 1].chainId
        expect((await verifySnapshots(cas, layout, (id) => t.store.layers.get(id))).problems).toEqual([])
        const committed = await snapshotState(layout, top)

        // What a container of the new layer sees, mounted and through the merged view.
        const newLowers = await lowersOf(layer)
        const [rand, one, pooled, big, x, a] = out.trim().split('\n')
        const run = join(t.dir, `c-commit-${disposable}-run`)
        await d.create(run, newLowers)
        expect(runInRoot(d, run, newLowers, 'sha256sum /data/new/rand /data/new/rand-hl /data/new/one /data/new/pooled /data/big /data/new-x /data/a | cut -c1-64')).toBe([rand, rand, one, pooled, big, x, a].join('\n') + '\n')
        const view = mergedView(newLowers)
        const bytes = async (p: string) => { const e = (await view.entry(p))!; return sha(readFileSync(e.content ?? e.path)) }
        expect(await bytes('data/new/rand')).toBe(rand)
        expect(await bytes('data/big')).toBe(big)

        // Inodes: the container's own file became the pool's (or, in the copy form, the snapshot's)
        // only when the container goes; never one with an xattr (the copy-up of data/a, new-x), so
        // no pool file has one.
        const inoOf = (p: string, hex: string) => lstatSync(c.form === 'copy' ? join(layout.snapshot(top), p) : pooledFile(layout.poolDir, hex)).ino
        expect(inoOf('data/new/rand', rand) === taken.rand).toBe(disposable)
        expect(inoOf('data/new-x', x)).not.toBe(taken.x)
        expect(inoOf('data/a', a)).not.toBe(taken.a)
        expect([...(await xattrHolders(layout.poolDir))].filter((p) => !p.endsWith('/pool'))).toEqual([])
        // A container that stays is left as it was: its layer reads back byte for byte.
        if (!disposable) expect(`sha256:${sha(await collect(changesTar(await d.changes(dir, lowers))))}`).toBe(layer[layer.length - 1].diffId)

        // The same snapshot extracted from the layer's blobs: equal in every entry, map and pool name.
        await dropSnapshot(layout, top)
        expect((await ensureSnapshots(cas, layout, layer, { form: c.form })).built).toContain(top)
        expect(await snapshotState(layout, top)).toEqual(committed)
      }
    })

    test('a file kept in the index (at most 128 bytes, no chunks) gets its bytes, also when rebuilt over the pool', async (ctx) => {
      if (skip) return ctx.skip()
      const chain = chains[1]
      let a: IndexEntry | undefined
      for await (const e of indexEntries(t.store.cas, await loadIndex(t.store.cas, chain[1].index))) if (parseHeaderBytes(e.h).name === 'data/a') a = e
      expect([Buffer.from(a?.d ?? []).toString(), a?.c]).toEqual([same, undefined])
      for (const l of chain) await dropSnapshot(t.store.layout, l.chainId)
      const view = mergedView(await lowersOf(chain)) // the pool has its content: only the index is read for it
      for (const p of ['data/a', 'data/b', 'data/hl', 'data/op/new']) expect(await readMerged(view, p)).toBe(same)
      const pooled = poolFiles(t.store.layout.poolDir).filter((n) => n.includes(sha(same)))
      expect(pooled.length > 0).toBe(c.form !== 'copy')
      for (const n of pooled) expect(readFileSync(join(t.store.layout.poolDir, n), 'utf8')).toBe(same)
    })
  })
}

/** Pool file names (content and variants; the short redirect names left out). */
function poolFiles(pool: string): string[] {
  let shards: string[] = []
  try {
    shards = readdirSync(pool).filter((s) => /^[0-9a-f]{2}$/.test(s))
  } catch {}
  return shards.flatMap((s) => readdirSync(join(pool, s)).filter((n) => n.length > 20).map((n) => `${s}/${n}`))
}

/** The pool file with content `hex` (the hard-link form: one of its variants). */
function pooledFile(pool: string, hex: string): string {
  const name = poolFiles(pool).find((n) => n.slice(3).startsWith(hex))
  if (!name) throw new Error(`no pool file for ${hex}`)
  return join(pool, name)
}

/** Names and bytes of every pool file. */
function poolDigest(pool: string): string {
  return sha(poolFiles(pool).map((n) => `${n}:${sha(readFileSync(join(pool, n)))}`).join('\n'))
}
