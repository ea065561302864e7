import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { chmod, chown, lchown, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { copyImageContentIntoVolume, parseMount, parseVolume, prepareBindSources } from '../../lib/mount/index.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-copyup-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const isRoot = process.getuid?.() === 0

describe('copyImageContentIntoVolume()', () => {
  test('copies the folder\'s files with modes, owners, symlinks, hard links and fifos, and its own owner and mode', async () => {
    const src = join(dir, 'image/var/lib/db')
    const vol = join(dir, 'vol/_data')
    await mkdir(join(src, 'sub'), { recursive: true })
    await mkdir(vol, { recursive: true })
    await writeFile(join(src, 'conf'), 'setting=1\n')
    await chmod(join(src, 'conf'), 0o640)
    await writeFile(join(src, 'sub/run.sh'), '#!/bin/sh\n')
    await chmod(join(src, 'sub/run.sh'), 0o4755)
    await symlink('/etc/absolute-target', join(src, 'abs-link')) // copied verbatim, never followed
    await symlink('sub/run.sh', join(src, 'rel-link'))
    await link(join(src, 'conf'), join(src, 'conf.hard'))
    execFileSync('mkfifo', [join(src, 'pipe')])
    await chmod(src, 0o1770)
    if (isRoot) {
      await chown(join(src, 'conf'), 999, 998)
      await lchown(join(src, 'rel-link'), 12, 13)
      await chown(src, 999, 999)
    }

    expect(await copyImageContentIntoVolume(src, vol)).toBe(true)

    expect((await readdir(vol)).sort()).toEqual(['abs-link', 'conf', 'conf.hard', 'pipe', 'rel-link', 'sub'])
    expect(await readFile(join(vol, 'conf'), 'utf8')).toBe('setting=1\n')
    expect((await stat(join(vol, 'conf'))).mode & 0o7777).toBe(0o640)
    expect((await stat(join(vol, 'sub/run.sh'))).mode & 0o7777).toBe(0o4755)
    expect(await readlink(join(vol, 'abs-link'))).toBe('/etc/absolute-target')
    expect(await readlink(join(vol, 'rel-link'))).toBe('sub/run.sh')
    expect((await stat(join(vol, 'conf.hard'))).ino).toBe((await stat(join(vol, 'conf'))).ino)
    expect((await lstat(join(vol, 'pipe'))).isFIFO()).toBe(true)
    expect((await stat(vol)).mode & 0o7777).toBe(0o1770)
    if (isRoot) {
      const st = await stat(join(vol, 'conf'))
      expect([st.uid, st.gid]).toEqual([999, 998])
      const ln = await lstat(join(vol, 'rel-link'))
      expect([ln.uid, ln.gid]).toEqual([12, 13])
      const root = await stat(vol)
      expect([root.uid, root.gid]).toEqual([999, 999])
    }
    // The image side is untouched.
    expect(await readFile(join(src, 'conf'), 'utf8')).toBe('setting=1\n')
  })

  test('a volume that already holds something is left alone', async () => {
    const src = join(dir, 'src')
    const vol = join(dir, 'vol')
    await mkdir(src)
    await mkdir(vol)
    await writeFile(join(src, 'image-file'), 'x')
    await writeFile(join(vol, 'mine'), 'y')
    expect(await copyImageContentIntoVolume(src, vol)).toBe(false)
    expect(await readdir(vol)).toEqual(['mine'])
  })

  test('a missing folder, a file, or a symlink in the image copies nothing', async () => {
    const vol = join(dir, 'vol')
    await mkdir(vol)
    await mkdir(join(dir, 'real'))
    await writeFile(join(dir, 'real/f'), 'x')
    await writeFile(join(dir, 'file'), 'x')
    await symlink(join(dir, 'real'), join(dir, 'link'))
    expect(await copyImageContentIntoVolume(join(dir, 'missing'), vol)).toBe(false)
    expect(await copyImageContentIntoVolume(join(dir, 'file'), vol)).toBe(false)
    expect(await copyImageContentIntoVolume(join(dir, 'link'), vol)).toBe(false)
    expect(await readdir(vol)).toEqual([])
  })
})

describe('prepareBindSources()', () => {
  test('-v creates a missing host folder (0755, with parents)', async () => {
    const host = join(dir, 'a/b/c')
    const made = await prepareBindSources([parseVolume(`${host}:/data`, '/')])
    expect(made).toEqual([host])
    expect((await stat(host)).mode & 0o777).toBe(0o755 & ~process.umask())
  })

  test('--mount type=bind refuses a missing source and creates nothing', async () => {
    const host = join(dir, 'missing')
    await expect(prepareBindSources([parseVolume(`${join(dir, 'other')}:/o`, '/'), parseMount(`type=bind,src=${host},dst=/data`, '/')])).rejects.toThrow(
      `invalid mount config for type "bind": bind source path does not exist: ${host}`,
    )
    expect(existsSync(host)).toBe(false)
    expect(existsSync(join(dir, 'other'))).toBe(false)
  })

  test('bind-create-src creates it; an existing source is left as it is', async () => {
    await mkdir(join(dir, 'there'), { mode: 0o700 })
    const made = await prepareBindSources([
      parseMount(`type=bind,src=${join(dir, 'new')},dst=/n,bind-create-src`, '/'),
      parseMount(`type=bind,src=${join(dir, 'there')},dst=/t`, '/'),
    ])
    expect(made).toEqual([join(dir, 'new')])
    expect((await stat(join(dir, 'there'))).mode & 0o777).toBe(0o700)
  })
})
