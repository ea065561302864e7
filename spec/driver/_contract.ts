// One contract, every storage driver: a suite written as a function of a factory (after
// containerd's snapshotter testsuite). The lowers are built by hand in overlay form (a 0/0
// char device whiteout made with mknod, an opaque dir marked with setfattr), a real process
// changes the container's root through the driver's own mount plan, and changes() must report
// exactly what it did, while the snapshots stay byte-identical.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LayerChange, StorageDriver } from '../../lib/driver/index.js'
import { mountStepsScript, shQuote as q } from '../../lib/driver/index.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { needTool, unavailable } from '../_fixtures/requires.js'

export interface DriverFactory {
  name: string
  make(): StorageDriver
  /** Why the driver cannot be tested here (skip), or undefined. */
  unavailable(): string | undefined
  /** A folder removed and re-created is reported as one `opaque` change (overlay drivers). */
  reportsOpaque: boolean
  /** A new container copies nothing from the snapshots. */
  sharesLowers: boolean
}

export const sh = (script: string) => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' })

/** Mount the plan in a private mount namespace, run `script` chrooted in it, unmount. */
export function runInRoot(d: StorageDriver, c: string, lowers: string[], script: string, hostScript = ''): string {
  const plan = d.mountPlan(c, lowers)
  const R = q(plan.rootfs)
  const body = `${mountStepsScript(plan.steps)}export R=${R}\n${hostScript}\nchroot ${R} /bin/sh -c ${q(script)}\nrc=$?\numount ${R}\nexit $rc\n`
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', body], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`container script failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

/** Digest of a tree: names, types, modes, owners, sizes, mtimes, link targets, bytes, xattrs. */
export function treeDigest(root: string): string {
  const h = createHash('sha256')
  const walk = (rel: string) => {
    for (const n of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n
      const p = join(root, r)
      const st = lstatSync(p, { bigint: true })
      h.update(`${r}\0${st.mode}\0${st.uid}\0${st.gid}\0${st.size}\0${st.mtimeNs}\0${st.rdev}\0`)
      if (st.isSymbolicLink()) h.update(readlinkSync(p))
      else if (st.isFile()) h.update(readFileSync(p))
      else if (st.isDirectory()) walk(r)
    }
  }
  walk('')
  h.update(spawnSync('getfattr', ['-R', '-P', '-d', '-m', '-', '-e', 'hex', '.'], { cwd: root, encoding: 'utf8' }).stdout)
  return h.digest('hex')
}

/** The two hand-made snapshots, top-most first. */
export function makeLowers(dir: string): string[] {
  const l0 = makeBusyboxRoot(join(dir, 'l0'))
  const l1 = join(dir, 'l1')
  sh(`cd ${l0} && mkdir -p olddir/sub replaced op && echo x > olddir/x && echo y > olddir/sub/y &&
      echo 1 > replaced/old1 && echo 2 > replaced/old2 && echo keep > etc/keep && echo old > etc/change &&
      echo rm > etc/remove && echo c > chmodme && chmod 644 chmodme && echo o > chownme && echo x > xattrme &&
      echo g > gone && echo lc > op/lowerchild && mkdir -p wdir/deep && echo w > wdir/deep/w && echo t > typechg`)
  mkdirSync(join(l1, 'etc'), { recursive: true })
  mkdirSync(join(l1, 'op'), { recursive: true })
  writeFileSync(join(l1, 'etc/from-l1'), 'l1\n')
  writeFileSync(join(l1, 'op/topchild'), 'tc\n')
  sh(`mknod ${l1}/gone c 0 0 && mknod ${l1}/wdir c 0 0 && mkdir ${l1}/typechg && echo i > ${l1}/typechg/inner && setfattr -n trusted.overlay.opaque -v y ${l1}/op && touch -r ${l0}/etc ${l1}/etc`)
  return [l1, l0]
}

export function contractSuite(f: DriverFactory): void {
  const why = busyboxUnavailable() ?? unavailable(`the ${f.name} driver contract`, f.unavailable())
  describe.skipIf(why !== undefined)(`storage driver contract: ${f.name}`, () => {
    let tmp: string
    let lowers: string[]
    let before: string[]
    const d = () => f.make()

    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), `store-driver-${f.name}-`))
      lowers = makeLowers(tmp)
      before = lowers.map(treeDigest)
    })
    afterAll(async () => {
      for (const c of readdirSync(tmp).filter((n) => n.startsWith('c-'))) await d().remove(join(tmp, c))
      rmSync(tmp, { recursive: true, force: true })
    })

    test('a new container shows the merged snapshots: whiteouts hide, opaque dirs cut', () => {
      const c = join(tmp, 'c-view')
      return d().create(c, lowers).then(() => {
        const out = runInRoot(d(), c, lowers, 'ls /op; cat /etc/from-l1 /etc/keep /typechg/inner; test ! -e /gone && test ! -e /wdir && echo no-gone; ls /bin/sh')
        expect(out.split('\n')).toEqual(['topchild', 'l1', 'keep', 'i', 'no-gone', '/bin/sh', ''])
      })
    })

    test('changes() reports exactly what a process did, and the snapshots stay byte-identical', async () => {
      const c = join(tmp, 'c-changes')
      const drv = d()
      await drv.create(c, lowers)
      expect(await drv.changes(c, lowers)).toEqual([])
      runInRoot(
        drv, c, lowers,
        [
          'echo new > /new.txt', 'echo changed > /etc/change', 'rm /etc/remove', 'rm -rf /olddir',
          'rm -rf /replaced && mkdir /replaced && echo n > /replaced/new', 'ln -s /etc/keep /sym',
          'echo h > /h1 && ln /h1 /h2', 'chmod 600 /chmodme', 'chown 1000:1000 /chownme',
          'mkdir /newdir && echo f > /newdir/f', 'echo a > /op/another', 'cat /etc/keep /bin/busybox | wc -c',
        ].join(' && '),
        'setfattr -n user.x -v 1 "$R/xattrme"',
      )
      const changes = await drv.changes(c, lowers)
      const replaced: string[] = f.reportsOpaque
        ? ['opaque replaced', 'add replaced/new']
        : ['modify replaced', 'add replaced/new', 'delete replaced/old1', 'delete replaced/old2']
      expect(changes.map((x) => `${x.kind} ${x.path}`)).toEqual([
        'modify chmodme', 'modify chownme', 'modify etc', 'modify etc/change', 'delete etc/remove',
        'add h1', 'add h2', 'add new.txt', 'add newdir', 'add newdir/f', 'delete olddir',
        'modify op', 'add op/another', ...replaced, 'add sym', 'modify xattrme',
      ].sort(byPathThenOrder(changes)))
      const src = (p: string) => (changes.find((x) => x.path === p) as Extract<LayerChange, { source: string }>).source
      expect(readFileSync(src('etc/change'), 'utf8')).toBe('changed\n')
      expect(readlinkSync(src('sym'))).toBe('/etc/keep')
      expect(lstatSync(src('h1')).ino).toBe(lstatSync(src('h2')).ino)
      expect(lstatSync(src('chmodme')).mode & 0o777).toBe(0o600)
      expect(lstatSync(src('chownme')).uid).toBe(1000)
      expect(sh(`getfattr --only-values -n user.x ${q(src('xattrme'))}`)).toBe('1')
      expect(lowers.map(treeDigest)).toEqual(before)
      expect(await drv.writableSize(c)).toBeGreaterThan(0)
    })

    test('containers of one image share the snapshots', async () => {
      const a = join(tmp, 'c-share-a')
      const b = join(tmp, 'c-share-b')
      await d().create(a, lowers)
      await d().create(b, lowers)
      runInRoot(d(), a, lowers, 'echo only-a > /only-a')
      const seen = runInRoot(d(), b, lowers, 'test -e /only-a && echo leaked || echo clean')
      expect(seen).toBe('clean\n')
      expect(await d().writableSize(b)).toBe(0)
      if (f.sharesLowers) {
        // Not a copy of busybox (2 MB): a few dirs and links.
        expect(Number(sh(`du -s --block-size=1 ${b}`).split('\t')[0])).toBeLessThan(200_000)
      }
    })

    test('withMergedRoot() shows the merged tree, and leaves nothing mounted', async () => {
      const c = join(tmp, 'c-merged')
      await d().create(c, lowers)
      runInRoot(d(), c, lowers, 'echo w > /written && rm /etc/keep')
      const seen = await d().withMergedRoot(c, lowers, async (root) => ({
        written: readFileSync(join(root, 'written'), 'utf8'),
        keep: readdirSync(join(root, 'etc')).includes('keep'),
        op: readdirSync(join(root, 'op')),
      }))
      expect(seen).toEqual({ written: 'w\n', keep: false, op: ['topchild'] })
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(c)
      await expect(d().withMergedRoot(c, lowers, async () => { throw new Error('boom') })).rejects.toThrow('boom')
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(c)
    })

    test('remove() takes down a leftover mount first, and never deletes through it', async () => {
      const c = join(tmp, 'c-leftover')
      await d().create(c, lowers)
      // What a store killed inside withMergedRoot() leaves: a snapshot mounted under the container.
      mkdirSync(join(c, 'mnt-leftover'))
      sh(`mount --bind ${q(lowers[1])} ${q(join(c, 'mnt-leftover'))}`)
      try {
        await d().remove(c)
      } finally {
        if (readFileSync('/proc/self/mountinfo', 'utf8').includes(c)) sh(`umount -l ${q(join(c, 'mnt-leftover'))}`)
      }
      expect(() => lstatSync(c)).toThrow()
      expect(lowers.map(treeDigest)).toEqual(before)
    })

    test('a stack of 120 snapshots at long paths mounts, top-most first', async () => {
      const deep = join(tmp, 'snapshots-with-a-long-name'.repeat(3))
      const many: string[] = []
      for (let i = 0; i < 120; i++) {
        const l = join(deep, `${'a'.repeat(64)}${String(i).padStart(3, '0')}`)
        mkdirSync(l, { recursive: true })
        writeFileSync(join(l, `f${i}`), `${i}\n`)
        writeFileSync(join(l, 'same'), `${i}\n`)
        many.unshift(l) // top-most first: the last made is on top
      }
      many.push(lowers[1]) // busybox at the bottom, for the shell
      const c = join(tmp, 'c-many')
      await d().create(c, many)
      const out = runInRoot(d(), c, many, 'cat /same /f0 /f119; ls / | grep -c "^f"')
      expect(out).toBe('119\n0\n119\n120\n')
    })

    test('remove() deletes the container dir and never the snapshots', async () => {
      const c = join(tmp, 'c-remove')
      await d().create(c, lowers)
      runInRoot(d(), c, lowers, 'echo x > /x')
      await d().remove(c)
      expect(() => lstatSync(c)).toThrow()
      expect(lowers.map(treeDigest)).toEqual(before)
    })
  })
}

/** Keep the expected list in the driver's documented order: depth-first, byte order per dir. */
function byPathThenOrder(_actual: LayerChange[]) {
  const key = (s: string) => s.slice(s.indexOf(' ') + 1).split('/')
  return (a: string, b: string) => {
    const x = key(a)
    const y = key(b)
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = Buffer.compare(Buffer.from(x[i]), Buffer.from(y[i]))
      if (c !== 0) return c
    }
    return x.length - y.length
  }
}
