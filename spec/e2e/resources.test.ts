// End-to-end: control groups (issue 15), as root, through the built binary: `--memory` (the OOM
// killer ends a container past it: 137, State.OOMKilled), `--pids-limit`, `--cpus` (the CFS
// quota the kernel enforces), `pause`/`unpause` (the freezer: a paused container's counter does
// not move, and it goes on after), stop of a paused container, `stats --no-stream` (BLOCK I/O
// as the kernel counted it), Docker's messages for bad values; and no cgroup is left behind,
// runc's own included.

import { describe, expect, test } from 'vitest'
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpus } from 'node:os'
import { store, storeIn } from '../_fixtures/cli.js'
import { storeOk, busyboxStore } from '../_fixtures/containers.js'
import { BLKIO_FILES, blkioBytes, ioStatBytes, type BlockIo } from '../../lib/container/blockIo.js'
import { humanSize } from '../../lib/units.js'

// Root, busybox: a printed reason to skip on a developer's machine, a failure under CI.
const bx = busyboxStore('store-e2e-resources-')
const why = bx.why

/** Every cgroup dir a running container of this file had (checked gone at the end). */
const seen = new Set<string>()

const run = (args: string[]) => storeIn(bx.root, args)
const ok = (args: string[]) => storeOk(bx.root, args)
const idOf = async (name: string) => (await ok(['inspect', '--format', '{{.Id}}', name])).trim()
/** The cgroup dirs state.json records for a running container. */
async function cgroupDirs(name: string): Promise<Record<string, string>> {
  const st = JSON.parse(readFileSync(join(bx.root, 'containers', await idOf(name), 'state.json'), 'utf8'))
  const dirs: Record<string, string> = st.cgroups.version === 2 ? { unified: st.cgroups.dir } : st.cgroups.dirs
  for (const d of Object.values(dirs)) seen.add(d)
  return dirs
}
/** A 64 MB ext4 loop disk mounted at `<dir>/mnt`, with its device number; undefined where that cannot be made. */
function loopDisk(dir: string): { mnt: string; majMin: string; cleanup: () => void } | undefined {
  const img = join(dir, 'img')
  const mnt = join(dir, 'mnt')
  let dev: string | undefined
  let mounted = false
  const cleanup = () => {
    if (mounted) execFileSync('umount', [mnt])
    if (dev) execFileSync('losetup', ['-d', dev])
  }
  try {
    mkdirSync(mnt, { recursive: true })
    closeSync(openSync(img, 'w'))
    execFileSync('truncate', ['-s', '64M', img])
    execFileSync('mkfs.ext4', ['-q', '-F', img], { stdio: 'ignore' })
    dev = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim()
    execFileSync('mount', [dev, mnt])
    mounted = true
    const rdev = statSync(dev).rdev
    return { mnt, majMin: `${(rdev >> 8) & 0xfff}:${(rdev & 0xff) | ((rdev >> 12) & 0xfff00)}`, cleanup }
  } catch {
    try {
      cleanup()
    } catch {}
    return undefined
  }
}

/** What the cgroup files say the container read and wrote, read as `stats` reads them. */
function kernelBlockIo(dirs: Record<string, string>): BlockIo {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '')
  if (dirs.unified) return ioStatBytes(read(join(dirs.unified, 'io.stat')))
  for (const f of dirs.blkio ? BLKIO_FILES : []) {
    const b = blkioBytes(read(join(dirs.blkio, f)))
    if (b) return b
  }
  return { read: 0, write: 0 }
}
const counter = async (name: string) => (await run(['cp', `${name}:/tmp/n`, '-'])).stdoutBytes.toString('latin1').match(/\n(\d+)\n/)?.[1]

describe.skipIf(why !== undefined)('control groups', () => {
  test('--memory: a container past its limit is killed by the OOM killer (137, OOMKilled)', async () => {
    // tail keeps a line it never ends: /dev/zero has no newline, so it grows until killed.
    const r = await run(['run', '--name', 'oom', '--network', 'none', '-m', '16m', 'busybox', 'tail', '/dev/zero'])
    expect(r.status).toBe(137)
    expect((await ok(['inspect', '--format', '{{.State.OOMKilled}} {{.HostConfig.Memory}}', 'oom'])).trim()).toBe(`true ${16 * 1024 * 1024}`)
    const fine = await run(['run', '--rm', '--network', 'none', '-m', '64m', 'busybox', 'sh', '-c', 'head -c 8000000 /dev/zero | wc -c'])
    expect(fine.stdout.trim()).toBe('8000000')
  })

  test('--pids-limit: no more processes than that', async () => {
    const r = await run(['run', '--rm', '--network', 'none', '--pids-limit', '6', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done 2>&1; wait; echo done'])
    expect(r.stdout + r.stderr).toMatch(/can't fork|Resource temporarily unavailable/)
  })

  test.each(['builtin', 'runc'])('--cpus sets the CFS quota (%s), and the cgroups go with the container', async (runtime) => {
    const name = `cpu-${runtime}`
    await ok(['run', '-d', '--name', name, '--runtime', runtime, '--network', 'none', '--cpus', '0.5', 'busybox', 'sleep', '300'])
    const dirs = await cgroupDirs(name)
    if (dirs.unified) expect(readFileSync(join(dirs.unified, 'cpu.max'), 'utf8').trim()).toBe('50000 100000')
    else expect(readFileSync(join(dirs.cpu, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000')
    // The container's processes are in them (runc's in a cgroup of its own inside ours).
    const procs = (d: string): string[] => [
      ...readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean),
      ...readdirSync(d, { withFileTypes: true }).filter((k) => k.isDirectory()).flatMap((k) => procs(join(d, k.name))),
    ]
    expect(procs(dirs.unified ?? dirs.pids).length).toBeGreaterThan(0)
    expect((await ok(['inspect', '--format', '{{.HostConfig.NanoCpus}}', name])).trim()).toBe('500000000')
    await ok(['rm', '-f', name])
    for (const d of Object.values(dirs)) expect(existsSync(d), d).toBe(false)
  })

  test('pause freezes every process, unpause thaws them; ps, inspect and stop as Docker', async () => {
    // Each count written whole, then renamed over the last: a container frozen mid-write (the
    // file truncated, nothing in it yet) still shows a count.
    await ok(['run', '-d', '--name', 'ticker', '--network', 'none', 'busybox', 'sh', '-c', 'trap "exit 143" TERM; i=0; while true; do i=$((i+1)); printf "x\\n%d\\n" $i > /tmp/n.new && mv /tmp/n.new /tmp/n; sleep 0.02; done'])
    await cgroupDirs('ticker')
    let first: string | undefined
    for (let i = 0; i < 200 && first === undefined; i++) first = await counter('ticker') // the first count is there
    expect(first).toBeDefined()
    expect(await ok(['pause', 'ticker'])).toBe('ticker\n')
    expect((await ok(['ps', '--format', '{{.Names}} {{.Status}} {{.State}}', '--filter', 'status=paused'])).trim()).toMatch(/^ticker Up .* \(Paused\) paused$/)
    expect((await ok(['inspect', '--format', '{{.State.Status}} {{.State.Paused}}', 'ticker'])).trim()).toBe('paused true')
    const frozen = await counter('ticker')
    expect(frozen).toBeDefined()
    await new Promise((r) => setTimeout(r, 200))
    expect(await counter('ticker')).toBe(frozen)
    const again = await run(['pause', 'ticker'])
    expect(again.status).toBe(1)
    expect(again.stderr).toContain('is already paused')
    expect(await ok(['unpause', 'ticker'])).toBe('ticker\n')
    let moved = frozen
    for (let i = 0; i < 200 && moved === frozen; i++) moved = await counter('ticker')
    expect(moved).not.toBe(frozen)
    const notPaused = await run(['unpause', 'ticker'])
    expect(notPaused.status).toBe(1)
    expect(notPaused.stderr).toContain('is not paused')
    // A paused container stops too: its SIGTERM arrives once it is thawed.
    await ok(['pause', 'ticker'])
    await ok(['stop', '-t', '5', 'ticker'])
    expect((await ok(['ps', '-a', '--filter', 'name=ticker', '--format', '{{.Status}}'])).trim()).toMatch(/^Exited \(143\)/)
  })

  test('stats --no-stream: Docker’s columns for each running container', async () => {
    await ok(['run', '-d', '--name', 'busy', '--network', 'none', '-m', '32m', 'busybox', 'sleep', '300'])
    await cgroupDirs('busy')
    const out = await ok(['stats', '--no-stream'])
    const [head, ...rows] = out.trim().split('\n')
    expect(head).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/)
    // BLOCK I/O: whatever the kernel counted (the sleep binary may have been read from disk).
    expect(rows.find((l) => l.includes(' busy '))).toMatch(/^[0-9a-f]{12}\s+busy\s+\d+\.\d\d%\s+[\d.]+(B|KiB|MiB) \/ 32MiB\s+\d+\.\d\d%\s+0B \/ 0B\s+[\d.]+[kMG]?B \/ [\d.]+[kMG]?B\s+1$/)
    expect((await ok(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'busy'])).trim()).toBe('busy 1')
    await ok(['rm', '-f', 'busy'])
  })

  test('stats: BLOCK I/O is what the kernel counted for the container (decimal units; BlockIO in JSON)', async () => {
    // O_DIRECT writes to a bind mount reach a block device from the container's cgroup (the
    // overlay root might be tmpfs). cgroup v1's blk-throttle counts a disk only once some
    // throttle rule names it (kernel 6.18 here shows `Total 0` without one), so under v1 the
    // mount is a loop disk of its own and the container's cgroup gets a rule on it too high to
    // slow anything; without losetup, the store's temp dir, and whatever the kernel counted.
    const disk = loopDisk(join(bx.dir, 'disk'))
    const host = disk?.mnt ?? join(bx.dir, 'blockio')
    mkdirSync(host, { recursive: true })
    try {
      const script = 'while [ ! -e /data/go ]; do sleep 0.02; done; dd if=/dev/zero of=/data/f bs=1M count=8 oflag=direct 2>/dev/null || dd if=/dev/zero of=/data/f bs=1M count=8 conv=fsync; touch /data/done; exec sleep 300'
      await ok(['run', '-d', '--name', 'writer', '--network', 'none', '-v', `${host}:/data`, 'busybox', 'sh', '-c', script])
      const dirs = await cgroupDirs('writer')
      const ruled = !!(disk && dirs.blkio)
      if (ruled) writeFileSync(join(dirs.blkio, 'blkio.throttle.write_bps_device'), `${disk!.majMin} ${10 ** 12}`)
      writeFileSync(join(host, 'go'), '')
      for (let i = 0; i < 500 && !existsSync(join(host, 'done')); i++) await new Promise((r) => setTimeout(r, 20))
      expect(existsSync(join(host, 'done'))).toBe(true)
      const json = JSON.parse(await ok(['stats', '--no-stream', '--format', '{{json .}}', 'writer']))
      const table = (await ok(['stats', '--no-stream', '--format', '{{.BlockIO}}', 'writer'])).trim()
      expect(json.BlockIO).toBe(table)
      const [read, write] = table.split(' / ')
      expect(read).toMatch(/^\d+(\.\d+)?[kMG]?B$/)
      expect(write).toMatch(/^\d+(\.\d+)?[kMG]?B$/)
      // The same figure as the cgroup's own files; with the rule (or v2's io.stat), the dd's 8 MiB.
      const counted = kernelBlockIo(dirs)
      expect(write).toBe(humanSize(counted.write))
      if (ruled || dirs.unified) expect(counted.write).toBeGreaterThanOrEqual(8 * 1024 * 1024)
      if (ruled) expect(write).toBe('8.39MB')
    } finally {
      await run(['rm', '-f', 'writer'])
      disk?.cleanup()
    }
  })

  test.each([
    [['-m', 'abc'], `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`],
    [['-m', '1k'], 'Minimum memory limit allowed is 6MB'],
    [['--cpus', 'abc'], 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number'],
    [['--cpus', String(cpus().length + 3)], `Range of CPUs is from 0.01 to ${cpus().length.toFixed(2)}, as there are only ${cpus().length} CPUs available`],
    [['--pids-limit', 'x'], 'invalid argument "x" for "--pids-limit" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['--memory-swap', '10m', '-m', '20m'], 'Minimum memoryswap limit should be larger than memory limit, see usage'],
  ])('%j is refused: %s', async (flags, message) => {
    const r = await run(['run', '--rm', ...flags, 'busybox', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toContain(message)
  })

  test('update changes the limits of a running container at once, and its record', async () => {
    await ok(['run', '-d', '--name', 'upd', '--network', 'none', '--cpus', '0.5', 'busybox', 'sleep', '300'])
    const dirs = await cgroupDirs('upd')
    expect(await ok(['update', '--cpus', '1', '-m', '64m', '--pids-limit', '50', '--restart', 'on-failure:3', 'upd'])).toBe('upd\n')
    if (dirs.unified) {
      expect(readFileSync(join(dirs.unified, 'cpu.max'), 'utf8').trim()).toBe('100000 100000')
      expect(readFileSync(join(dirs.unified, 'memory.max'), 'utf8').trim()).toBe(String(64 * 1024 * 1024))
      expect(readFileSync(join(dirs.unified, 'pids.max'), 'utf8').trim()).toBe('50')
    } else {
      expect(readFileSync(join(dirs.cpu, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('100000')
      expect(readFileSync(join(dirs.memory, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(64 * 1024 * 1024))
      expect(readFileSync(join(dirs.pids, 'pids.max'), 'utf8').trim()).toBe('50')
    }
    expect((await ok(['inspect', '--format', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}', 'upd'])).trim()).toBe(
      `1000000000 ${64 * 1024 * 1024} 50 on-failure`,
    )
    const bad = await run(['update', '-m', '1k', 'upd'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('Minimum memory limit allowed is 6MB')
    await ok(['rm', '-f', 'upd'])
  })

  test('no cgroup of any container is left', async () => {
    await ok(['rm', '-f', 'oom'])
    expect(seen.size).toBeGreaterThan(0)
    for (const d of seen) expect(existsSync(d), d).toBe(false)
  })
})
