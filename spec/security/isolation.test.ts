// A container is a container, on every launcher: the probes a hostile image would try, run as
// `store run` runs them. The command is PID 1; nothing of the host is visible (no host path in
// any /proc/*/cmdline, root, cwd or exe inside, no host process); Docker's capability sets and
// seccomp profile; masked /proc paths; a :ro mount stays read-only; the environment never
// appears in a host process's argv; --network none has only loopback. Then the flags that
// change this (--privileged, --cap-add/--cap-drop, --security-opt) behave as Docker's.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, store, tempDir, storeIn } from '../_fixtures/cli.js'
import { makeBusyboxRoot } from '../_fixtures/busybox.js'
import { launcherUnavailable } from '../runtime/_suite.js'
import type { LauncherName } from '../../lib/runtime/index.js'

const DOCKER_CAPS = '00000000a80425fb'
/** --privileged: every capability we have ourselves (a sandbox may lack some). */
const ALL_CAPS = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]

let tmp: { dir: string; cleanup: () => void }
let root: string
let canary: string

beforeAll(() => {
  requireBuilt()
  tmp = tempDir('store-iso-')
  root = join(tmp.dir, 'root')
  makeBusyboxRoot(join(tmp.dir, 'bb'))
  expect(store(root, ['import', join(tmp.dir, 'bb'), 'busybox']).status).toBe(0)
  canary = join(tmp.dir, 'canary')
  mkdirSync(canary)
  writeFileSync(join(canary, 'passwd'), 'host file\n')
})

afterAll(() => {
  store(root, ['rm', '-f', ...store(root, ['ps', '-aq']).stdout.split('\n').filter(Boolean)])
  tmp?.cleanup()
})

const run = (args: string[], env?: Record<string, string>) => store(root, ['run', '--rm', ...args], { env })

/** Every host path that must not show inside: the temp dir holds the store and the bundle. */
const leaks = (text: string) => text.split('\n').filter((l) => l.includes(tmp.dir) || l.includes('/work/') || l.includes('dist/native'))

const PROBE = [
  'echo "pid $$"',
  // Every process's cmdline, root, cwd and exe, as a hostile image would list them.
  'for p in /proc/[0-9]*; do echo "cmd $(tr "\\0" " " < $p/cmdline 2>/dev/null)"; echo "links $(readlink $p/root) $(readlink $p/cwd) $(readlink $p/exe)"; done',
  'echo "procs $(ls -d /proc/[0-9]* | wc -l)"',
  'grep -E "^Cap(Eff|Bnd|Prm|Inh|Amb)|^Seccomp:|^NoNewPrivs" /proc/self/status',
  'mount -t tmpfs none /tmp 2>/dev/null && echo "mount allowed" || echo "mount denied"',
  'mount -o remount,rw /ro 2>/dev/null && echo "remount allowed" || echo "remount denied"',
  'echo x >> /ro/passwd 2>/dev/null && echo "ro written" || echo "ro kept"',
  'head -c1 /proc/kmsg >/dev/null 2>&1 && echo "kmsg read" || echo "kmsg denied"',
  'echo h > /proc/sysrq-trigger 2>/dev/null && echo "sysrq written" || echo "sysrq denied"',
  'unshare -U true 2>/dev/null && echo "unshare allowed" || echo "unshare denied"',
  'echo "timer_list $(wc -c < /proc/timer_list)"',
].join('; ')

function field(out: string, key: string): string {
  const line = out.split('\n').find((l) => l.startsWith(key))
  return line === undefined ? '' : line.slice(key.length).trim()
}

const launchers: LauncherName[] = ['builtin', 'runc', 'crun']

for (const launcher of launchers) {
  const skip = launcherUnavailable(launcher)
  describe.skipIf(skip)(`isolation probes: ${launcher}`, () => {
    test('the command is PID 1, alone, and no host path or process is visible inside', () => {
      const r = run(['--runtime', launcher, '-v', `${canary}:/ro:ro`, 'busybox', 'sh', '-c', PROBE])
      expect(r.status, r.stderr).toBe(0)
      expect(field(r.stdout, 'pid')).toBe('1')
      expect(leaks(r.stdout)).toEqual([])
      // sh (PID 1) and the probe's own children: no host process, no launcher, no runtime.
      const cmds = r.stdout.split('\n').filter((l) => l.startsWith('cmd ')).map((l) => l.slice(4).split(' ')[0])
      expect(cmds[0]).toBe('sh')
      for (const c of cmds.slice(1)) expect(['', 'sh', 'tr', 'ls', 'wc', 'readlink']).toContain(c)
      expect(Number(field(r.stdout, 'procs'))).toBeLessThanOrEqual(4)
      expect(r.stdout).toMatch(/^cmd sh -c echo "pid \$\$"/m)
      expect(r.stdout).toMatch(/^links \/ \/ \/bin\/busybox$/m)
    })

    test("Docker's capabilities and seccomp profile; mount, remount, kmsg, sysrq, unshare denied; /proc/timer_list masked", () => {
      const r = run(['--runtime', launcher, '-v', `${canary}:/ro:ro`, 'busybox', 'sh', '-c', PROBE])
      expect(field(r.stdout, 'CapEff:')).toBe(DOCKER_CAPS)
      expect(field(r.stdout, 'CapBnd:')).toBe(DOCKER_CAPS)
      expect(field(r.stdout, 'CapInh:')).toBe('0000000000000000')
      expect(field(r.stdout, 'CapAmb:')).toBe('0000000000000000')
      expect(field(r.stdout, 'Seccomp:')).toBe('2')
      expect(field(r.stdout, 'NoNewPrivs:')).toBe('0')
      for (const line of ['mount denied', 'remount denied', 'ro kept', 'kmsg denied', 'sysrq denied', 'unshare denied', 'timer_list 0']) {
        expect(r.stdout.split('\n')).toContain(line)
      }
      expect(readFileSync(join(canary, 'passwd'), 'utf8')).toBe('host file\n')
    })

    test('a non-root user has no effective capabilities', () => {
      const r = run(['--runtime', launcher, '-u', '1000', 'busybox', 'sh', '-c', 'id -u; grep CapEff /proc/self/status'])
      expect(r.stdout).toBe('1000\nCapEff:\t0000000000000000\n')
    })

    test('exec joins with the same confinement: PID namespace, capabilities, seccomp', async () => {
      const name = `iso-exec-${launcher}`
      expect(store(root, ['run', '-d', '--runtime', launcher, '--name', name, 'busybox', 'sleep', '60']).status).toBe(0)
      try {
        const r = await storeIn(root, ['exec', name, 'sh', '-c', 'grep -E "^CapEff|^Seccomp:" /proc/self/status; cat /proc/1/cmdline | tr "\\0" " "'])
        expect(r.stdout).toBe(`CapEff:\t${DOCKER_CAPS}\nSeccomp:\t2\nsleep 60 `)
      } finally {
        store(root, ['rm', '-f', name])
      }
    })

    test('the environment is in no host process argv, and the bundle files holding it are 0600', async () => {
      const secret = `s3cret-${launcher}-${process.pid}`
      const envFile = join(tmp.dir, `env-${launcher}`)
      writeFileSync(envFile, `MYSQL_ROOT_PASSWORD=${secret}\n`)
      const name = `iso-env-${launcher}`
      const r = store(root, ['run', '-d', '--runtime', launcher, '--name', name, '--env-file', envFile, 'busybox', 'sh', '-c', 'echo "$MYSQL_ROOT_PASSWORD"; exec sleep 60'])
      expect(r.status, r.stderr).toBe(0)
      try {
        const exec = await storeIn(root, ['exec', '-e', `OTHER=${secret}-x`, name, 'sh', '-c', 'cat /proc/1/cmdline; echo'])
        expect(exec.stdout).toBe('sleep\x0060\x00\n')
        const holders = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(secret)
          } catch {
            return false
          }
        })
        expect(holders).toEqual([])
        const id = store(root, ['inspect', '-f', '{{.Id}}', name]).stdout.trim()
        const dir = join(root, 'containers', id)
        for (const f of readdirSync(dir)) {
          if (f.startsWith('exec-') || f === 'config.json' || f === 'launch.plan') {
            const { mode } = await import('node:fs').then((fs) => fs.statSync(join(dir, f)))
            expect([f, (mode & 0o777).toString(8)]).toEqual([f, '600'])
          }
        }
        expect(store(root, ['logs', name]).stdout).toBe(`${secret}\n`)
      } finally {
        store(root, ['rm', '-f', name])
      }
    })

    test('--network none: only loopback, and it is up', () => {
      const r = run(['--runtime', launcher, '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net; ping -c1 -W1 127.0.0.1 >/dev/null && echo lo-up'])
      expect(r.stdout).toBe('lo\nlo-up\n')
    })

    test('--privileged: every capability we have, no seccomp, nothing masked; --cap-drop ALL: none; --cap-add SYS_ADMIN: mount works', () => {
      const caps = 'grep -E "^CapEff|^Seccomp:" /proc/self/status'
      const priv = run(['--runtime', launcher, '--privileged', 'busybox', 'sh', '-c', `${caps}; [ $(wc -c < /proc/timer_list) -gt 0 ] && echo timer_list-open`])
      expect(priv.stdout).toBe(`CapEff:\t${ALL_CAPS}\nSeccomp:\t0\ntimer_list-open\n`)
      expect(run(['--runtime', launcher, '--cap-drop', 'ALL', 'busybox', 'sh', '-c', caps]).stdout).toBe('CapEff:\t0000000000000000\nSeccomp:\t2\n')
      const admin = run(['--runtime', launcher, '--cap-add', 'sys_admin', 'busybox', 'sh', '-c', 'mount -t tmpfs none /mnt 2>&1 || mkdir -p /mnt && mount -t tmpfs none /mnt && echo mounted'])
      expect(admin.stdout).toContain('mounted')
    })

    test('--security-opt no-new-privileges and seccomp=unconfined; bad values are refused as Docker does', () => {
      expect(run(['--runtime', launcher, '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']).stdout).toBe('NoNewPrivs:\t1\n')
      expect(run(['--runtime', launcher, '--security-opt', 'seccomp=unconfined', 'busybox', 'grep', 'Seccomp:', '/proc/self/status']).stdout).toBe('Seccomp:\t0\n')
      const bad = run(['--runtime', launcher, '--cap-add', 'FOO', 'busybox', 'true'])
      expect([bad.status, bad.stderr]).toEqual([125, 'Error: unknown capability: "CAP_FOO"\n'])
      const opt = run(['--runtime', launcher, '--security-opt', 'bogus', 'busybox', 'true'])
      expect([opt.status, opt.stderr]).toEqual([125, 'Error: invalid --security-opt: "bogus"\n'])
    })
  })
}

describe.skipIf(launcherUnavailable('builtin'))('isolation probes: a FUSE root', () => {
  test("the fuse-overlayfs daemon that serves the root lives outside the container's PID namespace", () => {
    const r = store(root, ['--storage-driver', 'fuse-overlayfs', 'run', '--rm', 'busybox', 'sh', '-c', PROBE])
    expect(r.status, r.stderr).toBe(0)
    expect(field(r.stdout, 'pid')).toBe('1')
    expect(r.stdout).not.toContain('fuse-overlayfs')
    expect(leaks(r.stdout)).toEqual([])
  })
})
