// End-to-end: volumes, bind mounts and tmpfs (issue 4) through the built binary, on a busybox
// image imported into a temp store root. Every host folder a container binds lives inside this
// file's temp dir (the issue's /data/mysql becomes <tmp>/data/mysql).

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { requireBuilt, sh, tempDir, type CliResult } from '../_fixtures/cli.js'
import { storeIn } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'

const why = busyboxUnavailable()
const IMAGE = 'busybox'
const HEX64 = /^[0-9a-f]{64}$/

let tmp: { dir: string; cleanup: () => void }
let root: string
let rootfs: string
const roots: string[] = []

// Tests of the concurrent groups below share the two cores: at most this many `store`s at once.
const MAX_PROCS = 3
let procs = 0
const waiting: (() => void)[] = []
async function cli(r: string, args: string[], o: { cwd?: string } = {}): Promise<CliResult> {
  // A finishing command hands its slot straight to the next waiter, so the count never overshoots.
  if (procs >= MAX_PROCS) await new Promise<void>((go) => waiting.push(go))
  else procs++
  try {
    return await storeIn(r, args, o)
  } finally {
    const next = waiting.shift()
    if (next) next()
    else procs--
  }
}
const s = (args: string[], o: { cwd?: string } = {}) => cli(root, args, o)
const ok = async (p: Promise<CliResult>): Promise<CliResult> => {
  const r = await p
  expect(r.status, r.stderr).toBe(0)
  return r
}
/** `store run --rm [flags] busybox cmd...` */
const run = (flags: string[], cmd: string[], o: { cwd?: string } = {}) => s(['run', '--rm', ...flags, IMAGE, ...cmd], o)
const shIn = (flags: string[], script: string) => run(flags, ['sh', '-c', script])
/** What `store volume ls -q` prints, as a list. */
const volumeLs = async (r = root) => (await ok(cli(r, ['volume', 'ls', '-q']))).stdout.split('\n').filter(Boolean)
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')).sort() : [])
/** Volumes and containers as the store keeps them on disk (cheaper than asking the CLI each time). */
const volumesOnDisk = (r = root) => list(join(r, 'volumes'))
const containersOnDisk = (r = root) => list(join(r, 'containers'))
const mountpoint = (name: string, r = root) => join(r, 'volumes', name, '_data')
/** A host folder inside the temp dir. */
const host = (...p: string[]) => join(tmp.dir, ...p)
const hostDir = (...p: string[]) => {
  mkdirSync(host(...p), { recursive: true })
  return host(...p)
}
/** Errors are one `Error: <message>` line; a StoreError may add `hint:` lines after it. */
const errorLine = (r: CliResult) => r.stderr.replace(/^hint: .*\n/gm, '')
const mountsOf = async (c: string, r = root) => JSON.parse((await ok(cli(r, ['inspect', c]))).stdout)[0].Mounts as Record<string, unknown>[]
/** The name of the first mount's volume of each container, from one `store inspect`. */
const firstVolumes = async (r: string, ...cs: string[]) =>
  (JSON.parse((await ok(cli(r, ['inspect', ...cs]))).stdout) as { Mounts: { Name: string }[] }[]).map((c) => c.Mounts[0].Name)

/** A second store root with the image, for tests that count everything in a store. */
async function freshRoot(name: string): Promise<string> {
  const r = join(tmp.dir, name)
  roots.push(r)
  await ok(cli(r, ['import', rootfs, IMAGE]))
  return r
}

/** Remove every container (and its anonymous volumes) and anything still mounted under tmp. */
async function cleanupAll(): Promise<void> {
  for (const r of roots) {
    const ids = containersOnDisk(r)
    if (ids.length) await storeIn(r, ['rm', '-f', '-v', ...ids])
  }
  const mounts = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout.split('\n')
  for (const m of mounts.filter((m) => m.startsWith(tmp.dir + '/')).sort().reverse()) spawnSync('umount', ['-l', m])
}

beforeAll(async () => {
  if (why) return
  requireBuilt()
  tmp = tempDir('store-e2e-volumes-')
  rootfs = makeBusyboxRoot(host('rootfs'))
  // A folder of the image with content, an owner and a mode, to see copy-up keep all three.
  mkdirSync(join(rootfs, 'srv/seed/sub'), { recursive: true })
  writeFileSync(join(rootfs, 'srv/seed/a.txt'), 'seed a\n')
  writeFileSync(join(rootfs, 'srv/seed/sub/b.txt'), 'seed b\n')
  sh(`chown -R 1000:1000 ${rootfs}/srv/seed && chmod 750 ${rootfs}/srv/seed`)
  root = host('root')
  roots.push(root)
  await ok(storeIn(root, ['import', rootfs, IMAGE]))
})

afterAll(async () => {
  if (!tmp) return
  try {
    await cleanupAll()
  } finally {
    tmp.cleanup()
  }
})

describe.skipIf(why !== undefined)('the issue example, as written', () => {
  test('--mount type=bind writes into the host folder', async () => {
    const mysql = hostDir('data/mysql')
    await ok(run(['--mount', `type=bind,source=${mysql},target=/var/lib/mysql`], ['sh', '-c', 'echo ok > /var/lib/mysql/f']))
    expect(readFileSync(join(mysql, 'f'), 'utf8')).toBe('ok\n')
  })

  test('a named volume keeps its data from one --rm container to the next', async () => {
    expect((await ok(s(['volume', 'create', 'data_volume']))).stdout).toBe('data_volume\n')
    await ok(shIn(['-v', 'data_volume:/var/lib/mysql'], 'echo 1 >> /var/lib/mysql/n'))
    await ok(shIn(['-v', 'data_volume:/var/lib/mysql'], 'echo 1 >> /var/lib/mysql/n'))
    expect((await ok(run(['-v', 'data_volume:/var/lib/mysql'], ['cat', '/var/lib/mysql/n']))).stdout).toBe('1\n1\n')
    expect(containersOnDisk()).toEqual([])
  })

  test('a named volume that does not exist is created on first use', async () => {
    expect(volumesOnDisk()).not.toContain('data_volume2')
    await ok(run(['-v', 'data_volume2:/var/lib/mysql'], ['true']))
    expect(await volumeLs()).toContain('data_volume2')
    expect(existsSync(mountpoint('data_volume2'))).toBe(true)
  })

  test('-v with an absolute host path binds that folder', async () => {
    const mysql = hostDir('data/mysql')
    writeFileSync(join(mysql, 'g'), '')
    expect((await ok(run(['-v', `${mysql}:/var/lib/mysql`], ['ls', '/var/lib/mysql']))).stdout).toBe('f\ng\n')
  })
})

describe.skipIf(why !== undefined)('what must create nothing (alone in the store while it runs)', () => {
  test('a missing --mount bind source fails with 125 and creates nothing', async () => {
    const missing = host('missing')
    const snapshot = () => ({ containers: containersOnDisk(), volumes: volumesOnDisk(), tmp: list(tmp.dir) })
    const before = snapshot()
    // The other mounts of the same command must not be made either.
    const r = await run(['-v', 'not_made:/a', '-v', `${host('not-made')}:/c`, '--mount', `type=bind,source=${missing},target=/x`], ['true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toBe(`Error: invalid mount config for type "bind": bind source path does not exist: ${missing}\n`)
    expect(r.stdout).toBe('')
    expect(snapshot()).toEqual(before)
    expect((await ok(s(['ps', '-a', '-q']))).stdout).toBe('')
  })

  test('run --rm removes its anonymous volume, not its named ones', async () => {
    const before = volumesOnDisk()
    expect((await ok(run(['-v', '/data', '-v', 'kept_named:/k'], ['sh', '-c', 'grep -c " /data " /proc/mounts']))).stdout).toBe('1\n')
    expect(volumesOnDisk()).toEqual([...before, 'kept_named'].sort())
  })

  const invalid = (n: string) =>
    `"${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`
  const outsideSnapshot = () => ({ tmp: list(tmp.dir), cwd: list(host('cwd')), root: list(root), volumes: volumesOnDisk(), containers: containersOnDisk() })

  test('a volume name like ../x never creates anything outside volumes/', async () => {
    const cwd = hostDir('cwd/sub')
    const before = outsideSnapshot()
    for (const n of ['../x', 'x/../../y']) {
      const r = await s(['volume', 'create', n], { cwd })
      expect([r.status, r.stderr]).toEqual([1, `Error: create ${n}: ${invalid(n)}\n`])
    }
    expect((await s(['volume', 'inspect', '../volumes'], { cwd })).stderr).toBe('Error: No such volume: ../volumes\n')
    expect(outsideSnapshot()).toEqual(before)
  })

  test('a volume name like ../x in --mount never creates anything outside volumes/', async () => {
    const cwd = hostDir('cwd/sub')
    const before = outsideSnapshot()
    // A source starting with `.` is made absolute first (Docker), and a path is no volume name.
    const abs = join(host('cwd'), 'x')
    const r = await run(['--mount', 'type=volume,src=../x,dst=/y'], ['true'], { cwd })
    expect([r.status, r.stderr]).toEqual([125, `Error: create ${abs}: ${invalid(abs)}\n`])
    const sub = await run(['--mount', 'type=volume,src=subpathed,dst=/y,volume-subpath=../../..'], ['true'], { cwd })
    expect([sub.status, sub.stderr]).toEqual([125, 'Error: invalid mount config for type "volume": subpath must be a relative path within the volume\n'])
    expect(outsideSnapshot()).toEqual(before)
  })
})

describe.skipIf(why !== undefined)('bad mount flags', () => {
  // Each: the flags, then Docker's message. None may leave a container, volume or folder behind.
  const cases = (src: string): [string[], string][] => [
    [['--mount', ''], 'value is empty'],
    [['--mount', `type=bind,src=${src},target=/x,foo=bar`], "unknown option 'foo' in 'foo=bar'"],
    [['--mount', `type=bind, src=${src},target=/x`], `invalid option 'src' in ' src=${src}': option should not have whitespace`],
    [['--mount', `type=bind,src=${src},target= /x`], "invalid value for 'target' in 'target= /x': value should not have whitespace"],
    [['--mount', 'type=bind,src=,target=/x'], "invalid value for 'src': value is empty"],
    [['--mount', `type=bind,src=${src},target=/x,bogus`], "invalid field 'bogus' must be a key=value pair"],
    [['--mount', `type=bind,src=${src},target=/x,readonly=maybe`], `invalid value for 'readonly': invalid boolean value ("maybe"): must be one of "true", "1", "false", or "0" (default "true")`],
    [['--mount', 'type=tmpfs,target=/x,volume-nocopy'], "cannot mix 'volume-*' options with mount type 'tmpfs'"],
    [['--mount', `type=bind,src=${src}`], 'invalid mount config for type "bind": field Target must not be empty'],
    [['--mount', `type=bind,src=${src},target=/`], `invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    [['--mount', 'type=bind,target=/x'], 'invalid mount config for type "bind": field Source must not be empty'],
    [['--mount', `type=tmpfs,src=${src},target=/x`], 'invalid mount config for type "tmpfs": field Source must not be specified'],
    [['--mount', 'type=weird,target=/x'], 'invalid mount config for type "weird": mount type unknown'],
    [['--mount', 'type=tmpfs,target=/x,tmpfs-size=big'], 'invalid value for tmpfs-size: big'],
    [['--mount', 'type=tmpfs,target=/x,tmpfs-mode=999'], 'invalid value for tmpfs-mode: 999'],
    [['-v', '/a::/b'], "invalid volume specification: '/a::/b'"],
    [['-v', `${src}:/x:ro,rw`], 'invalid mode: ro,rw'],
    [['-v', `${src}:x`], `invalid volume specification: '${src}:x': invalid mount config for type "bind": invalid mount path: 'x' mount path must be absolute`],
    [['-v', 'a:/x'], 'create a: volume name is too short, names should be at least two alphanumeric characters'],
    [['--tmpfs', '/x', '--mount', `type=bind,src=${src},dst=/x/`], 'Duplicate mount point: /x'],
  ]

  test('each prints exactly Error: <message>, exits 125 and creates nothing', async () => {
    const src = hostDir('bad-src')
    const snapshot = () => ({ containers: containersOnDisk(), volumes: volumesOnDisk(), tmp: list(tmp.dir), src: list(src) })
    const before = snapshot()
    const all = cases(src)
    // Two at a time: they are independent, and this machine has two cores.
    const results: CliResult[] = []
    for (let i = 0; i < all.length; i += 2) results.push(...(await Promise.all(all.slice(i, i + 2).map(([flags]) => run(flags, ['true'])))))
    const got = results.map((r, i) => ({ flags: all[i][0], status: r.status, stderr: errorLine(r), stdout: r.stdout }))
    expect(got).toEqual(all.map(([flags, message]) => ({ flags, status: 125, stderr: `Error: ${message}\n`, stdout: '' })))
    expect(snapshot()).toEqual(before)
  })
})

// Everything below runs concurrently: each test uses names and folders of its own.

describe.skipIf(why !== undefined)('bind mounts', { concurrent: true }, () => {
  test('bind-create-src creates the missing source', async () => {
    const made = host('made-by-bind-create-src')
    await ok(run(['--mount', `type=bind,source=${made},target=/x,bind-create-src`], ['sh', '-c', 'echo hi > /x/a']))
    expect(readFileSync(join(made, 'a'), 'utf8')).toBe('hi\n')
  })

  test('-v creates a missing host folder (0755, with its parents)', async () => {
    const deep = host('v-made/deep/er')
    await ok(run(['-v', `${deep}:/x`], ['true']))
    const st = statSync(deep)
    expect(st.isDirectory()).toBe(true)
    expect(st.mode & 0o777).toBe(0o755)
  })

  test('a relative -v source starting with . is a host path under the working folder', async () => {
    const cwd = hostDir('cwd-rel')
    expect((await ok(run(['-v', './rel:/x'], ['sh', '-c', 'echo r > /x/f; cat /x/f'], { cwd }))).stdout).toBe('r\n')
    expect(readFileSync(join(cwd, 'rel/f'), 'utf8')).toBe('r\n')
    expect(volumesOnDisk()).not.toContain('rel')
  })

  test('a bind of a single file reads and writes that file', async () => {
    const file = host('afile')
    writeFileSync(file, 'from host\n')
    const r = await ok(run(['-v', `${file}:/etc/afile`], ['sh', '-c', 'cat /etc/afile; echo from container >> /etc/afile']))
    expect(r.stdout).toBe('from host\n')
    expect(readFileSync(file, 'utf8')).toBe('from host\nfrom container\n')
  })

  test('readonly, ro=true and :ro are enforced (EROFS); readonly=false writes', async () => {
    const dir = hostDir('ro')
    const rw = hostDir('rw')
    const r = await ok(shIn([
      '--mount', `type=bind,source=${dir},target=/m1,readonly`,
      '--mount', `type=bind,src=${dir},dst=/m2,ro=true`,
      '-v', `${dir}:/m3:ro`,
      '-v', 'ro_volume:/m4:ro',
      '--mount', `type=bind,src=${rw},dst=/m5,readonly=false`,
    ], 'for d in /m1 /m2 /m3 /m4 /m5; do echo x > $d/g && echo "$d written"; done; true'))
    expect(r.stderr.split('\n').filter(Boolean)).toEqual(['/m1', '/m2', '/m3', '/m4'].map((d) => `sh: can't create ${d}/g: Read-only file system`))
    expect(r.stdout).toBe('/m5 written\n')
    expect(readdirSync(dir)).toEqual([])
    expect(readdirSync(mountpoint('ro_volume'))).toEqual([])
    expect(readdirSync(rw)).toEqual(['g'])
  })

  test('data in a volume and a bind survives store rm, and a second container sees it', async () => {
    const dir = hostDir('keep')
    await ok(s(['run', '--name', 'keeper', '-v', 'keep_volume:/k', '-v', `${dir}:/b`, IMAGE, 'sh', '-c', 'echo v > /k/f; echo b > /b/f']))
    expect((await ok(s(['rm', 'keeper']))).stdout).toBe('keeper\n')
    expect(volumesOnDisk()).toContain('keep_volume')
    expect((await ok(run(['-v', 'keep_volume:/k', '-v', `${dir}:/b`], ['cat', '/k/f', '/b/f']))).stdout).toBe('v\nb\n')
  })
})

describe.skipIf(why !== undefined)('volume content', { concurrent: true }, () => {
  test("an empty volume over an image folder starts with the folder's content, owner and mode", async () => {
    const r = await ok(shIn(['-v', 'seeded:/srv/seed', '-v', 'etc_volume:/etc'], 'stat -c "%a %u:%g" /srv/seed; cat /srv/seed/a.txt /srv/seed/sub/b.txt; ls /etc'))
    expect(r.stdout).toBe('750 1000:1000\nseed a\nseed b\ngroup\npasswd\n')
    expect(readFileSync(join(mountpoint('seeded'), 'sub/b.txt'), 'utf8')).toBe('seed b\n')
    expect(readFileSync(join(mountpoint('etc_volume'), 'passwd'), 'utf8')).toBe(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'))
  })

  test('volume-nocopy and :nocopy leave the volume empty', async () => {
    const r = await ok(run(['-v', 'nocopy1:/srv/seed:nocopy', '--mount', 'type=volume,src=nocopy2,dst=/etc,volume-nocopy'], ['ls', '-A', '/srv/seed', '/etc']))
    expect(r.stdout).toBe('/etc:\n\n/srv/seed:\n')
    expect(readdirSync(mountpoint('nocopy1'))).toEqual([])
    expect(readdirSync(mountpoint('nocopy2'))).toEqual([])
  })

  test('a volume that has content is not touched by the image', async () => {
    await ok(s(['volume', 'create', 'full']))
    writeFileSync(join(mountpoint('full'), 'mine'), 'mine\n')
    expect((await ok(run(['-v', 'full:/srv/seed'], ['ls', '-A', '/srv/seed']))).stdout).toBe('mine\n')
    expect(readdirSync(mountpoint('full'))).toEqual(['mine'])
  })

  test('volume-subpath mounts a subfolder of the volume', async () => {
    await ok(shIn(['-v', 'with_sub:/d'], 'mkdir -p /d/sub/deeper && echo s > /d/sub/f && echo top > /d/top'))
    const m = ['--mount', 'type=volume,src=with_sub,dst=/m,volume-subpath=sub']
    expect((await ok(shIn(m, 'ls -A /m; echo w > /m/w'))).stdout).toBe('deeper\nf\n')
    expect(readFileSync(join(mountpoint('with_sub'), 'sub/w'), 'utf8')).toBe('w\n')
  })
})

describe.skipIf(why !== undefined)('tmpfs', { concurrent: true }, () => {
  test('--tmpfs /t:size=1m holds 1 MiB and refuses 2 MB', async () => {
    const r = await shIn(['--tmpfs', '/t:size=1m'], 'df -k /t; dd if=/dev/zero of=/t/big bs=1024 count=2048')
    expect(r.stdout).toMatch(/\ntmpfs\s+1024\s/)
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('No space left on device')
  })

  test('tmpfs-mode sets the mode; --tmpfs defaults to 1777', async () => {
    expect((await ok(run(['--mount', 'type=tmpfs,target=/t,tmpfs-mode=1770', '--tmpfs', '/u'], ['stat', '-c', '%a', '/t', '/u']))).stdout).toBe('1770\n1777\n')
  })

  test('tmpfs content is gone when the container ends, and never reaches its layer', async () => {
    const script = 'echo "[$(ls -A /t)]"; echo x > /t/f'
    expect((await ok(s(['run', '--name', 'tmpfs_c', '--tmpfs', '/t', IMAGE, 'sh', '-c', script]))).stdout).toBe('[]\n')
    expect((await ok(s(['start', '-a', 'tmpfs_c']))).stdout).toBe('[]\n')
    expect((await ok(s(['diff', 'tmpfs_c']))).stdout).not.toContain('/t')
    await ok(s(['rm', 'tmpfs_c']))
  })
})

describe.skipIf(why !== undefined)('inspect and df', { concurrent: true }, () => {
  test('store inspect lists every mount as Docker does', async () => {
    const dir = hostDir('inspect')
    await ok(s(['create', '--name', 'insp', '-v', 'insp_named:/n', '-v', '/anon', '-v', `${dir}:/b:ro`,
      '--mount', `type=bind,src=${dir},dst=/s,bind-propagation=rslave`, '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', IMAGE, 'true']))
    const mounts = await mountsOf('insp')
    const by = (d: string) => mounts.find((m) => m.Destination === d)
    expect(mounts).toHaveLength(5)
    expect(by('/n')).toEqual({ Type: 'volume', Name: 'insp_named', Source: mountpoint('insp_named'), Destination: '/n', Driver: 'local', Mode: 'z', RW: true, Propagation: '' })
    const anon = by('/anon')!
    expect(anon).toMatchObject({ Type: 'volume', Driver: 'local', RW: true })
    expect(anon.Name).toMatch(HEX64)
    expect(anon.Source).toBe(mountpoint(anon.Name as string))
    expect(by('/b')).toEqual({ Type: 'bind', Source: dir, Destination: '/b', Mode: 'ro', RW: false, Propagation: 'rprivate' })
    expect(by('/s')).toMatchObject({ Type: 'bind', Source: dir, RW: true, Propagation: 'rslave' })
    expect(by('/t')).toMatchObject({ Type: 'tmpfs', Source: '', RW: true })
    for (const m of mounts) for (const k of ['Type', 'Source', 'Destination', 'Mode', 'RW', 'Propagation']) expect(m).toHaveProperty(k)
    await ok(s(['rm', '-v', 'insp']))
    expect(volumesOnDisk()).not.toContain(anon.Name)
  })

  test('system df counts volumes; -v lists each with its links and size', async () => {
    const r = await freshRoot('root-df')
    await ok(cli(r, ['volume', 'create', 'df_a']))
    writeFileSync(join(mountpoint('df_a', r), 'f'), Buffer.alloc(3000))
    await ok(cli(r, ['create', '--name', 'df_user', '-v', 'df_b:/y', IMAGE, 'true']))
    const df = (await ok(cli(r, ['system', 'df']))).stdout
    expect(df).toMatch(/^Local Volumes\s+2\s+1\s+3kB\s+3kB \(100%\)$/m)
    const v = (await ok(cli(r, ['system', 'df', '-v']))).stdout
    const section = v.slice(v.indexOf('Local Volumes space usage:'))
    expect(section.split('\n').slice(2, 5)).toEqual([
      expect.stringMatching(/^VOLUME NAME\s+LINKS\s+SIZE$/),
      expect.stringMatching(/^df_a\s+0\s+3kB$/),
      expect.stringMatching(/^df_b\s+1\s+0B$/),
    ])
  })
})

describe.skipIf(why !== undefined)('anonymous volumes and pruning', { concurrent: true }, () => {
  test('plain rm keeps an anonymous volume; rm -v removes it', async () => {
    await ok(s(['create', '--name', 'anon1', '-v', '/data', IMAGE, 'true']))
    await ok(s(['create', '--name', 'anon2', '-v', '/data', IMAGE, 'true']))
    const [v1, v2] = await firstVolumes(root, 'anon1', 'anon2')
    expect(v1).toMatch(HEX64)
    expect(v1).not.toBe(v2)
    await ok(s(['rm', 'anon1']))
    await ok(s(['rm', '-v', 'anon2']))
    const ls = await volumeLs()
    expect(ls).toContain(v1)
    expect(ls).not.toContain(v2)
    await ok(s(['volume', 'rm', v1]))
  })

  test('system prune -f never deletes a volume; --volumes deletes only unused anonymous ones', async () => {
    const r = await freshRoot('root-prune')
    await ok(cli(r, ['volume', 'create', 'named_unused']))
    await ok(cli(r, ['create', '--name', 'stopped', '-v', '/a', IMAGE, 'true']))
    await ok(cli(r, ['create', '--name', 'gone', '-v', '/a', IMAGE, 'true']))
    const [ofStopped, unused] = await firstVolumes(r, 'stopped', 'gone')
    await ok(cli(r, ['rm', 'gone']))
    const live = (await ok(cli(r, ['run', '-d', '--name', 'live', '-v', '/a', IMAGE, 'sleep', '60']))).stdout.trim()
    try {
      const [inUse] = await firstVolumes(r, 'live')
      const p1 = await ok(cli(r, ['system', 'prune', '-f']))
      expect(p1.stdout).not.toContain('Deleted Volumes')
      expect(await volumeLs(r)).toEqual(['named_unused', ofStopped, unused, inUse].sort())
      expect(containersOnDisk(r)).toEqual([live])
      // The stopped container went with the first prune, so its volume is unused now too.
      const p2 = await ok(cli(r, ['system', 'prune', '-f', '--volumes']))
      expect(p2.stdout).toContain(`Deleted Volumes:\n${[ofStopped, unused].sort().join('\n')}\n`)
      expect(await volumeLs(r)).toEqual(['named_unused', inUse].sort())
    } finally {
      await ok(cli(r, ['rm', '-f', '-v', 'live']))
    }
    expect(await volumeLs(r)).toEqual(['named_unused'])
  })

  test('volume prune -f keeps volumes in use and named ones; -a takes unused named ones', async () => {
    const r = await freshRoot('root-volume-prune')
    await ok(cli(r, ['volume', 'create', 'named_a']))
    await ok(cli(r, ['create', '--name', 'user', '-v', '/a', '-v', 'named_b:/b', IMAGE, 'true']))
    await ok(cli(r, ['create', '--name', 'gone', '-v', '/a', IMAGE, 'true']))
    const [unused] = await firstVolumes(r, 'gone')
    await ok(cli(r, ['rm', 'gone']))
    const before = volumesOnDisk(r)
    expect(before).toHaveLength(4)
    expect((await ok(cli(r, ['volume', 'prune', '-f']))).stdout).toBe(`Deleted Volumes:\n${unused}\n\nTotal reclaimed space: 0B\n`)
    expect((await ok(cli(r, ['volume', 'prune', '-f', '-a']))).stdout).toBe('Deleted Volumes:\nnamed_a\n\nTotal reclaimed space: 0B\n')
    expect(await volumeLs(r)).toEqual(before.filter((v) => v !== unused && v !== 'named_a'))
  })
})

describe.skipIf(why !== undefined)('store volume', { concurrent: true }, () => {
  test('create, ls, ls -q, inspect and rm print what Docker prints', async () => {
    const anon = (await ok(s(['volume', 'create']))).stdout.trim()
    expect(anon).toMatch(HEX64)
    expect((await ok(s(['volume', 'create', 'vol_cmd', '--label', 'team=a']))).stdout).toBe('vol_cmd\n')
    expect((await ok(s(['volume', 'create', 'vol_cmd']))).stdout).toBe('vol_cmd\n') // a no-op the second time
    const ls = (await ok(s(['volume', 'ls']))).stdout.split('\n')
    expect(ls[0]).toMatch(/^DRIVER\s+VOLUME NAME$/)
    expect(ls).toContainEqual(expect.stringMatching(/^local\s+vol_cmd$/))
    expect(ls).toContainEqual(expect.stringMatching(new RegExp(`^local\\s+${anon}$`)))
    const [info] = JSON.parse((await ok(s(['volume', 'inspect', 'vol_cmd']))).stdout)
    expect(Object.keys(info)).toEqual(['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope'])
    expect(info).toMatchObject({ Driver: 'local', Labels: { team: 'a' }, Mountpoint: mountpoint('vol_cmd'), Name: 'vol_cmd', Options: {}, Scope: 'local' })
    expect(info.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect((await ok(s(['volume', 'ls', '-q', '--filter', 'label=team=a']))).stdout).toBe('vol_cmd\n')
    const missing = await s(['volume', 'inspect', 'no_such_volume'])
    expect([missing.status, missing.stderr]).toEqual([1, 'Error: No such volume: no_such_volume\n'])
    expect((await ok(s(['volume', 'rm', 'vol_cmd', anon]))).stdout).toBe(`vol_cmd\n${anon}\n`)
    expect(volumesOnDisk()).not.toContain('vol_cmd')
    const again = await s(['volume', 'rm', 'vol_cmd'])
    expect([again.status, again.stderr]).toEqual([1, 'Error: get vol_cmd: no such volume\n'])
  })

  test('--label and --opt before the name: the name is kept, not swallowed as a value', async () => {
    // A greedy array option took `lv` as a second label (and made a randomly named volume), or
    // `tv` as an option ("invalid option key").
    expect((await ok(s(['volume', 'create', '--label', 'a=b', '--label', 'c', 'lv']))).stdout).toBe('lv\n')
    expect((await ok(s(['volume', 'create', '--opt', 'type=tmpfs', '-o', 'device=tmpfs', '--opt', 'o=size=1m', 'tv']))).stdout).toBe('tv\n')
    const [lv, tv] = JSON.parse((await ok(s(['volume', 'inspect', 'lv', 'tv']))).stdout)
    expect(lv).toMatchObject({ Name: 'lv', Labels: { a: 'b', c: '' }, Options: {}, Mountpoint: mountpoint('lv') })
    expect(tv).toMatchObject({ Name: 'tv', Labels: {}, Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } })
    expect((await ok(s(['volume', 'ls', '-q', '--filter', 'label=a=b']))).stdout).toBe('lv\n')
    expect((await ok(s(['volume', 'rm', 'lv', 'tv']))).stdout).toBe('lv\ntv\n')
  })

  test('rm of a volume in use names the container; ls --filter dangling tells them apart', async () => {
    const id = (await ok(s(['create', '--name', 'holder', '-v', 'held:/h', IMAGE, 'true']))).stdout.trim()
    await ok(s(['volume', 'create', 'loose']))
    const r = await s(['volume', 'rm', 'held'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`Error: remove held: volume is in use - [${id}]\n`)
    const dangling = (await ok(s(['volume', 'ls', '-q', '--filter', 'dangling=true']))).stdout.split('\n')
    expect(dangling).toContain('loose')
    expect(dangling).not.toContain('held')
    expect((await ok(s(['volume', 'ls', '-q', '--filter', 'dangling=false']))).stdout.split('\n')).toContain('held')
    await ok(s(['rm', 'holder']))
    expect((await ok(s(['volume', 'rm', 'held', 'loose']))).stdout).toBe('held\nloose\n')
  })
})
