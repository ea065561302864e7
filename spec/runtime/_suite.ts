// The launcher contract, run against builtin, runc and crun on a busybox root: one
// description (config.json), the same observable behaviour.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LauncherName } from '../../lib/runtime/index.js'
import { containerPid } from '../../lib/runtime/index.js'
import { launcherBinary } from '../../lib/_paths.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { needTool, unavailable } from '../_fixtures/requires.js'
import { run } from './_run.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(20)
  }
}

/** Why this launcher cannot be tested here (skip), or undefined; under CI missing is fatal. */
export function launcherUnavailable(l: LauncherName): string | undefined {
  const why = busyboxUnavailable()
  if (why) return why
  if (l === 'builtin') return undefined
  return unavailable(`the ${l} launcher specs`, needTool([`/usr/sbin/${l}`, `/usr/bin/${l}`], l))
}

export function launcherSuite(launcher: LauncherName): void {
  const why = launcherUnavailable(launcher)
  describe.skipIf(why !== undefined)(`launcher contract: ${launcher}`, () => {
    let tmp: string
    let root: string
    // Cases only the built-in launcher has are registered for it alone (not skipped elsewhere).
    const builtinOnly: typeof test = ((...a: Parameters<typeof test>) => (launcher === 'builtin' ? test(...a) : undefined)) as typeof test
    const go = (args: string[], o: Parameters<typeof run>[3] = {}) => run(tmp, root, args, { launcher, ...o })

    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), `store-runtime-${launcher}-`))
      root = makeBusyboxRoot(join(tmp, 'root'))
    })
    afterAll(() => rmSync(tmp, { recursive: true, force: true }))

    test('passes the exit status through', async () => {
      expect((await go(['true'])).exitCode).toBe(0)
      expect((await go(['sh', '-c', 'exit 3'])).exitCode).toBe(3)
    })

    test('a missing command is status 127, named on stderr', async () => {
      const r = await go(['no-such-command', 'arg'])
      expect(r.exitCode).toBe(127)
      expect(r.stderr).toContain('no-such-command')
      expect(r.stderr).toContain('executable file not found in $PATH')
    })

    test('pipes stdin, and gives exactly the spec environment', async () => {
      expect((await go(['wc', '-l'], { stdin: 'hello\nworld\n' })).stdout.trim()).toBe('2')
      // HOME set: runc and crun add one when it is missing (Docker always sets it).
      const env = ['PATH=/bin:/usr/bin', 'HOME=/root', 'FOO=bar baz', "Q=it's $HOME"]
      const r = await go(['env'], { env })
      expect(r.stdout.trim().split('\n').sort()).toEqual(env.sort())
    })

    test('runs in the working dir (created when missing) as the given user', async () => {
      const r = await go(['sh', '-c', 'pwd; id -u; id -g; id -G'], { cwd: '/srv/app', uid: 1000, gid: 1000, additionalGids: [65534] })
      expect(r.stdout.split('\n')).toEqual(['/srv/app', '1000', '1000', expect.stringMatching(/^(1000 )?65534$/), ''])
      expect((await go(['id', '-G'], { uid: 1000, gid: 1000 })).stdout.trim()).toBe('1000')
    })

    test('sets the hostname, and /etc/hostname and /etc/hosts come from the bundle', async () => {
      const r = await go(['sh', '-c', 'hostname; cat /etc/hostname; grep -c localhost /etc/hosts; echo 10.0.0.1 db >> /etc/hosts'], { hostname: 'web-1' })
      expect(r.stdout).toBe('web-1\nweb-1\n2\n')
      expect(existsSync(join(root, 'etc/hosts')) ? readFileSync(join(root, 'etc/hosts'), 'utf8') : '').not.toContain('db')
    })

    test("masks /proc and /sys entries like Docker, and keeps /proc/sys read-only", async () => {
      // Only what this kernel has: the container's procfs and sysfs are the host kernel's.
      const present = (p: string) => existsSync(p)
      const script = [
        // Masked files read as empty (/dev/null over them).
        `cat ${['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug'].filter(present).join(' ')} /dev/null | wc -c`,
        present('/proc/acpi') ? 'ls -A /proc/acpi | wc -l; touch /proc/acpi/x 2>/dev/null && echo acpi-writable' : 'echo 0',
        present('/sys/firmware') ? 'ls -A /sys/firmware | wc -l' : 'echo 0',
        'echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable',
        'cat /proc/sys/kernel/ostype',
      ].join('; ')
      const r = await go(['sh', '-c', script])
      expect(r.stdout).toBe('0\n0\n0\nLinux\n')
      expect(r.exitCode).toBe(0)
    })

    test('has its own /proc (a PID 1) and a working /dev', async () => {
      const r = await go(['sh', '-c', 'ps -o pid | grep -c "^ *1$"; echo x > /dev/null; sleep 0 & wait; head -c 4 /dev/zero | wc -c; ls /dev/pts/ptmx'])
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe('1\n4\n/dev/pts/ptmx\n')
    })

    test('a read-only root refuses writes with EROFS, but the working dir is still made', async () => {
      const r = await go(['sh', '-c', 'pwd; touch /x'], { readonly: true, cwd: '/made-before-ro' })
      expect(r.exitCode).toBe(1)
      expect(r.stdout).toBe('/made-before-ro\n')
      expect(r.stderr).toContain('Read-only file system')
    })

    test('network none has only the loopback interface', async () => {
      const r = await go(['sh', '-c', 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'], { network: 'none' })
      expect(r.stdout).toBe('lo\n')
    })

    test('bind mounts: read-only is enforced, writes through a rw one land on the host', async () => {
      const data = mkdtempSync(join(tmp, 'data-'))
      writeFileSync(join(data, 'f'), 'host\n')
      const rw = mkdtempSync(join(tmp, 'rw-'))
      const r = await go(['sh', '-c', 'cat /data/f; touch /data/new; echo out > /deep/rw/new'], {
        mounts: [
          { destination: '/data', type: 'bind', source: data, options: ['rbind', 'ro'] },
          { destination: '/deep/rw', type: 'bind', source: rw, options: ['rbind', 'rw'] },
        ],
      })
      expect(r.stdout).toBe('host\n')
      expect(r.stderr).toContain('Read-only file system')
      expect(existsSync(join(data, 'new'))).toBe(false)
      expect(readFileSync(join(rw, 'new'), 'utf8')).toBe('out\n')
    })

    test('a tmpfs mount honours its size and mode', async () => {
      const r = await go(['sh', '-c', 'stat -c %a /scratch; df -k /scratch | tail -1 | tr -s " " | cut -d" " -f2; dd if=/dev/zero of=/scratch/f bs=1024 count=2048 2>&1; echo status=$?'], {
        mounts: [{ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=750'] }],
      })
      const lines = r.stdout.split('\n')
      expect(lines.slice(0, 2)).toEqual(['750', '1024'])
      expect(r.stdout).toContain('No space left on device')
      expect(r.stdout).toContain('status=1')
    })

    test('rlimits apply', async () => {
      const r = await go(['sh', '-c', 'ulimit -n; ulimit -Hn'], { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }] })
      expect(r.stdout).toBe('1024\n2048\n')
    })

    test('SIGTERM sent to the launcher reaches the process', async () => {
      const out = mkdtempSync(join(tmp, 'sig-'))
      let pid = 0
      const p = go(['sh', '-c', 'trap "echo got-term; exit 42" TERM; touch /out/ready; while :; do sleep 0.05; done'], {
        mounts: [{ destination: '/out', type: 'bind', source: out, options: ['rbind'] }],
        onSpawn: (x) => (pid = x),
      })
      await waitFor(() => existsSync(join(out, 'ready')))
      process.kill(pid, 'SIGTERM')
      const r = await p
      expect(r.exitCode).toBe(42)
      expect(r.stdout).toBe('got-term\n')
    })

    test('a SIGKILLed launcher takes the container and its mounts along', async () => {
      const out = mkdtempSync(join(tmp, 'kill-'))
      let pid = 0
      const p = go(['sh', '-c', 'touch /out/ready; exec sleep 60'], {
        mounts: [{ destination: '/out', type: 'bind', source: out, options: ['rbind'] }],
        onSpawn: (x) => (pid = x),
      })
      await waitFor(() => existsSync(join(out, 'ready')))
      const inner = await containerPid(pid, launcher)
      expect(inner).toBeGreaterThan(0)
      // /out/ready is made just before `exec sleep`: wait for the exec, not for a moment.
      const cmdline = () => readFileSync(`/proc/${inner}/cmdline`, 'utf8')
      await waitFor(() => cmdline() === 'sleep\x0060\x00')
      expect(cmdline()).toBe('sleep\x0060\x00')
      process.kill(pid, 'SIGKILL')
      expect((await p).exitCode).toBe(137)
      await waitFor(() => !existsSync(`/proc/${inner}`), 5000)
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(root)
    })

    test('with terminal set, the process sees a tty on stdin and stdout', async () => {
      const r = await go(['sh', '-c', 'test -t 0 && test -t 1 && echo is-a-tty; exit 5'], { terminal: true, stdin: '' })
      expect(r.stdout.replace(/\r/g, '')).toContain('is-a-tty\n')
      expect(r.exitCode).toBe(5)
    })

    test('a bind mount of a missing source is an error, not a status', async () => {
      const e = await go(['true'], { mounts: [{ destination: '/x', type: 'bind', source: join(tmp, 'missing'), options: ['rbind'] }] }).catch((x) => x)
      expect(e?.code).toBe('LAUNCH_FAILED')
      expect(e?.message).toBe(`bind source path does not exist: ${join(tmp, 'missing')}`)
    })

    builtinOnly('a mount the kernel refuses is LAUNCH_FAILED, with the script kept', async () => {
      const e = await go(['true'], { mounts: [{ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['size=lots'] }] }).catch((x) => x)
      expect(e?.code).toBe('LAUNCH_FAILED')
      expect(e?.message).toContain('cannot mount')
      expect(existsSync(e?.data?.script)).toBe(true)
    })

    test('the command is PID 1: a signal it sends itself without a handler is ignored, as in Docker', async () => {
      expect((await go(['sh', '-c', 'kill -9 $$; echo still here'])).stdout).toBe('still here\n')
    })

    test('with docker-init as PID 1 (run --init), SIGINT to the launcher kills the command: 130', async () => {
      const out = mkdtempSync(join(tmp, 'int-'))
      let pid = 0
      const p = go(['/sbin/docker-init', '--', 'sh', '-c', 'touch /out/ready; exec sleep 60'], {
        mounts: [
          { destination: '/out', type: 'bind', source: out, options: ['rbind'] },
          { destination: '/sbin/docker-init', type: 'bind', source: launcherBinary(), options: ['rbind', 'ro'] },
        ],
        onSpawn: (x) => (pid = x),
      })
      await waitFor(() => existsSync(join(out, 'ready')))
      process.kill(pid, 'SIGINT')
      expect((await p).exitCode).toBe(130)
    })

    builtinOnly('an absolute command that is missing or not executable fails like Docker', async () => {
      const missing = await go(['/bin/nope'])
      expect([missing.exitCode, missing.stderr]).toEqual([127, 'exec: "/bin/nope": stat /bin/nope: no such file or directory\n'])
      const notExec = await go(['/etc/passwd'])
      expect([notExec.exitCode, notExec.stderr]).toEqual([126, 'exec: "/etc/passwd": permission denied\n'])
    })
  })
}

