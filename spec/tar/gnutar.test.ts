// Real archives from other tools: GNU tar in its gnu, posix (pax) and ustar formats, and npm
// package tarballs, read back byte for byte under random input splits; and archives we
// write, listed and extracted by GNU tar.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { lstat, mkdir, readFile, readlink, readdir, symlink, link, utimes, writeFile, stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { writeTar, type TarHeader } from '../../lib/tar/index.js'
import { collect, hdr, prng, randomSplits, readAll, tempDir, whole, type ReadBack } from './_helpers.js'

const root = process.getuid?.() === 0
const hasAttr = spawnSync('setfattr', ['--version']).status === 0 && spawnSync('getfattr', ['--version']).status === 0
if (!hasAttr && process.env.CI) throw new Error('setfattr/getfattr (Debian package attr) are required in CI')
if (!hasAttr) console.warn('spec/tar: setfattr/getfattr not found, xattr checks are skipped')

function run(cmd: string, args: string[], cwd?: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return { stdout: r.stdout, stderr: r.stderr }
}

const enc = new TextEncoder()
const NOTE = 'héllo=x\nline 2'
const BIN = [0x00, 0xff, 0x0a, 0x3d]

let tmp: Awaited<ReturnType<typeof tempDir>>
let tree: string
beforeAll(async () => {
  tmp = await tempDir()
  tree = join(tmp.dir, 'tree')
  const d = join(tree, 'd')
  await mkdir(d, { recursive: true })
  const rnd = prng(42)
  await writeFile(join(d, 'empty'), '')
  await writeFile(join(d, 'block512'), Buffer.alloc(512, 'x'))
  await writeFile(join(d, 'big.bin'), Buffer.from(Array.from({ length: 1 << 20 }, () => Math.floor(rnd() * 256))))
  await link(join(d, 'big.bin'), join(d, 'hard'))
  await writeFile(join(d, 'ünïcødé-文件.txt'), 'unicode\n')
  await symlink('empty', join(d, 'link'))
  await symlink('t'.repeat(150), join(d, 'longlink'))
  run('mkfifo', [join(d, 'fifo')])
  if (root) run('mknod', [join(d, 'chr'), 'c', '1', '3'])
  await writeFile(join(d, 'old'), 'from the sixties')
  await utimes(join(d, 'old'), -315619200, -315619200) // 1960: negative mtime
  await writeFile(join(d, 'xattr.txt'), 'has xattrs')
  if (hasAttr) {
    run('setfattr', ['-n', 'user.note', '-v', NOTE, join(d, 'xattr.txt')])
    run('setfattr', ['-n', 'user.bin', '-v', '0x' + Buffer.from(BIN).toString('hex'), join(d, 'xattr.txt')])
  }
  await mkdir(join(tree, 'long'), { recursive: true })
  await writeFile(join(tree, 'long', 'a'.repeat(120)), 'name over 100 bytes')
  await mkdir(join(tree, 'long', 'b'.repeat(200)), { recursive: true })
  await writeFile(join(tree, 'long', 'b'.repeat(200), 'c'.repeat(100)), 'path over 255 bytes')
})
afterAll(async () => tmp.cleanup())

const BIG_UID = 3000000000

async function makeTar(file: string, args: string[], what = '.'): Promise<Buffer> {
  const out = join(tmp.dir, file)
  run('tar', ['-cf', out, ...args, '-C', tree, what])
  return readFile(out)
}

/** Read under several random splits; each must rebuild the archive exactly and agree. */
async function readChecked(tar: Buffer): Promise<ReadBack> {
  const first = await readAll(whole(tar))
  expect(first.bytes.equals(tar)).toBe(true)
  for (const seed of [1, 2, 3]) {
    const r = await readAll(randomSplits(tar, seed))
    expect(r.bytes.equals(tar)).toBe(true)
    expect(r.entries.map((e) => e.header)).toEqual(first.entries.map((e) => e.header))
  }
  return first
}

/** Every entry's header matches the file it came from. */
async function checkAgainstTree(r: ReadBack, o: { uid?: number; fractional: boolean; xattrs: boolean }) {
  const seenInodes = new Map<number, string>()
  for (const { header: h, body } of r.entries) {
    const rel = h.name.replace(/^\.\//, '').replace(/\/$/, '')
    const path = join(tree, rel)
    const st = await lstat(path, { bigint: true })
    const where = `entry ${h.name}`
    let type: TarHeader['type'] = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : 'file'
    // GNU tar stores the first path of an inode as a file, the later ones as links to it.
    const first = seenInodes.get(Number(st.ino))
    if (type === 'file' && first !== undefined) type = 'hardlink'
    else seenInodes.set(Number(st.ino), rel)
    expect(h.type, where).toBe(type)
    expect(h.mode, where).toBe(Number(st.mode) & 0o7777)
    expect(h.uid, where).toBe(o.uid ?? Number(st.uid))
    expect(h.gid, where).toBe(Number(st.gid))
    const mtime = Number(st.mtimeNs) / 1e9
    if (o.fractional) expect(Math.abs(h.mtime - mtime), where).toBeLessThan(1e-6)
    else expect(h.mtime, where).toBe(Math.floor(mtime))
    if (type === 'file') {
      expect(h.size, where).toBe(Number(st.size))
      expect(body.equals(await readFile(path)), where).toBe(true)
    } else expect(h.size, where).toBe(0)
    if (type === 'symlink') expect(h.linkname, where).toBe(await readlink(path))
    if (type === 'hardlink') expect(h.linkname.replace(/^\.\//, ''), where).toBe(first)
    if (type === 'char') expect([h.devmajor, h.devminor]).toEqual([1, 3])
    if (rel === 'd/xattr.txt' && o.xattrs) {
      expect(h.xattrs).toEqual({ 'user.note': enc.encode(NOTE), 'user.bin': new Uint8Array(BIN) })
    } else expect(h.xattrs, where).toEqual({})
  }
  // Everything in the tree is in the archive.
  const kinds = new Set(r.entries.map((e) => e.header.type))
  for (const k of ['dir', 'file', 'symlink', 'hardlink', 'fifo'] as const) expect(kinds.has(k), k).toBe(true)
  if (root) expect(kinds.has('char')).toBe(true)
}

const typeflags = (r: ReadBack) => new Set(r.entries.flatMap((e) => Array.from({ length: e.headerBytes.length / 512 }, (_, i) => String.fromCharCode(e.headerBytes[i * 512 + 156]!))))

describe('readTar() on archives made by GNU tar', () => {
  test('gnu format: long names and links (L/K), base-256 uid, negative mtime', async () => {
    const tar = await makeTar('gnu.tar', ['--format=gnu', `--owner=big:${BIG_UID}`])
    const r = await readChecked(tar)
    expect([...typeflags(r)].filter((t) => 'LK'.includes(t)).sort()).toEqual(['K', 'L'])
    expect(tar.length % 10240).toBe(0) // GNU tar's record padding lands in the trailer
    expect(r.trailer.length).toBeGreaterThanOrEqual(1024)
    expect(r.entries[0]!.header.uname).toBe('big')
    expect(r.entries.some((e) => e.header.name === `./long/${'b'.repeat(200)}/${'c'.repeat(100)}`)).toBe(true)
    await checkAgainstTree(r, { uid: BIG_UID, fractional: false, xattrs: false })
  })

  test('posix (pax) format: long names, fractional mtime, big uid and xattrs in PAX records', async () => {
    const tar = await makeTar('pax.tar', ['--format=posix', '--xattrs', '--xattrs-include=*', `--owner=big:${BIG_UID}`])
    const r = await readChecked(tar)
    expect(typeflags(r).has('x')).toBe(true)
    expect(r.entries.some((e) => e.header.name === './d/ünïcødé-文件.txt')).toBe(true)
    await checkAgainstTree(r, { uid: BIG_UID, fractional: true, xattrs: hasAttr })
  })

  test('ustar format, where the names fit', async () => {
    const tar = await makeTar('ustar.tar', ['--format=ustar', '--exclude=d/longlink', '--exclude=d/old'], 'd')
    const r = await readChecked(tar)
    expect([...typeflags(r)].every((t) => '0125634'.includes(t))).toBe(true)
    expect(r.entries.length).toBeGreaterThanOrEqual(9)
    await checkAgainstTree(r, { fractional: false, xattrs: false })
  })
})

describe('readTar() on npm package tarballs', () => {
  test('an `npm pack` tarball', async () => {
    const pkg = join(tmp.dir, 'pkg')
    await mkdir(join(pkg, 'lib', 'deep'), { recursive: true })
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'tiny-pkg', version: '1.0.0', files: ['lib', 'index.js'] }))
    await writeFile(join(pkg, 'index.js'), 'module.exports = 1\n')
    await writeFile(join(pkg, 'lib', 'deep', 'x.js'), 'x'.repeat(3000))
    const out = join(tmp.dir, 'packed')
    await mkdir(out)
    const r0 = spawnSync('npm', ['pack', '--pack-destination', out, '--offline', '--silent'], {
      cwd: pkg, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_cache: join(tmp.dir, 'npm-cache') },
    })
    expect(r0.status, r0.stderr).toBe(0)
    const tar = gunzipSync(await readFile(join(out, 'tiny-pkg-1.0.0.tgz')))
    const r = await readChecked(tar)
    const byName = new Map(r.entries.map((e) => [e.header.name, e]))
    expect([...byName.keys()].sort()).toEqual(['package/index.js', 'package/lib/deep/x.js', 'package/package.json'])
    expect(byName.get('package/lib/deep/x.js')!.body.toString()).toBe('x'.repeat(3000))
  })

  test('tarballs from the npm cache', async () => {
    const dir = join(homedir(), '.npm', '_cacache', 'content-v2')
    const tarballs: Buffer[] = []
    const walk = async (p: string): Promise<void> => {
      for (const n of await readdir(p, { withFileTypes: true })) {
        if (tarballs.length >= 4) return
        const f = join(p, n.name)
        if (n.isDirectory()) await walk(f)
        else if ((await stat(f)).size < 2 << 20) {
          const b = await readFile(f)
          if (b[0] !== 0x1f || b[1] !== 0x8b) continue
          const t = gunzipSync(b)
          if (t.subarray(257, 262).toString() === 'ustar') tarballs.push(t)
        }
      }
    }
    if (existsSync(dir)) await walk(dir)
    if (tarballs.length === 0) {
      console.warn(`spec/tar: no npm tarballs in ${dir}, nothing to read`)
      return
    }
    for (const t of tarballs) {
      const r = await readChecked(t)
      expect(r.entries.some((e) => e.header.name.endsWith('package.json'))).toBe(true)
    }
  })
})

describe('writeTar() output read by GNU tar', () => {
  const longName = `top/${'L'.repeat(150)}/${'f'.repeat(120)}`
  const entries = (): { header: TarHeader; body?: Uint8Array }[] => [
    { header: hdr('top/', { type: 'dir', mode: 0o755 }) },
    { header: hdr('top/hello.txt', { size: 6, mode: 0o640, uid: 1234, gid: 5678 }), body: enc.encode('hello\n') },
    { header: hdr(longName, { size: 4 }), body: enc.encode('long') },
    { header: hdr('top/ünï文件.txt', { size: 3 }), body: enc.encode('uni') },
    { header: hdr('top/sym', { type: 'symlink', mode: 0o777, linkname: 's'.repeat(150) }) },
    { header: hdr('top/hard', { type: 'hardlink', linkname: 'top/hello.txt' }) },
    { header: hdr('top/fifo', { type: 'fifo' }) },
    { header: hdr('top/null', { type: 'char', mode: 0o666, devmajor: 1, devminor: 3 }) },
    { header: hdr('top/empty') },
    {
      header: hdr('top/x.txt', { size: 2, uid: BIG_UID, gid: 7, mtime: 1700000000.5, xattrs: { 'user.note': enc.encode(NOTE), 'user.bin': new Uint8Array(BIN) } }),
      body: enc.encode('xa'),
    },
  ]

  test('tar -tvf lists every entry with its name, type and size, without a warning', async () => {
    const file = join(tmp.dir, 'ours.tar')
    await writeFile(file, await collect(writeTar(entries())))
    const { stdout, stderr } = run('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', file])
    expect(stderr).toBe('')
    const lines = stdout.trimEnd().split('\n')
    const expected = [
      ['d', '0/0', '0', 'top/'],
      ['-', '1234/5678', '6', 'top/hello.txt'],
      ['-', '0/0', '4', longName],
      ['-', '0/0', '3', 'top/ünï文件.txt'],
      ['l', '0/0', '0', `top/sym -> ${'s'.repeat(150)}`],
      ['h', '0/0', '0', 'top/hard link to top/hello.txt'],
      ['p', '0/0', '0', 'top/fifo'],
      ['c', '0/0', '1,3', 'top/null'],
      ['-', '0/0', '0', 'top/empty'],
      ['-', `${BIG_UID}/7`, '2', 'top/x.txt'],
    ]
    expect(lines.length).toBe(expected.length)
    lines.forEach((line, i) => {
      const m = /^(\S)\S{9} (\S+) +(\S+(?:, *\d+)?) \d{4}-\d\d-\d\d \d\d:\d\d (.*)$/.exec(line)
      expect(m, line).not.toBeNull()
      expect([m![1], m![2], m![3]!.replace(/ /g, ''), m![4]]).toEqual(expected[i])
    })
  })

  test('tar -xf extracts contents, links, long names, modes, mtimes and xattrs', async () => {
    const file = join(tmp.dir, 'ours2.tar')
    await writeFile(file, await collect(writeTar(entries())))
    const dest = join(tmp.dir, 'extracted')
    await mkdir(dest)
    const args = ['-xf', file, '-C', dest, '--numeric-owner']
    if (hasAttr) args.push('--xattrs', '--xattrs-include=*')
    if (!root) args.push('--exclude=top/null')
    const { stderr } = run('tar', args)
    expect(stderr).toBe('')
    const p = (n: string) => join(dest, n)
    expect(await readFile(p('top/hello.txt'), 'utf8')).toBe('hello\n')
    expect(await readFile(p(longName), 'utf8')).toBe('long')
    expect(await readFile(p('top/ünï文件.txt'), 'utf8')).toBe('uni')
    expect(await readlink(p('top/sym'))).toBe('s'.repeat(150))
    expect((await lstat(p('top/hard'))).ino).toBe((await lstat(p('top/hello.txt'))).ino)
    expect((await lstat(p('top/fifo'))).isFIFO()).toBe(true)
    expect((await lstat(p('top/empty'))).size).toBe(0)
    expect((await lstat(p('top/hello.txt'))).mode & 0o7777).toBe(0o640)
    const x = await lstat(p('top/x.txt'), { bigint: true })
    expect(x.mtimeNs).toBe(1700000000500000000n)
    if (root) {
      expect([Number(x.uid), Number(x.gid)]).toEqual([BIG_UID, 7])
      const n = await lstat(p('top/null'))
      expect(n.isCharacterDevice() && n.rdev).toBe(0x103)
    }
    if (hasAttr) {
      const value = (name: string) => spawnSync('getfattr', ['--only-values', '-n', name, p('top/x.txt')]).stdout as Buffer
      expect(value('user.note').toString()).toBe(NOTE)
      expect([...value('user.bin')]).toEqual(BIN)
    }
  })
})
