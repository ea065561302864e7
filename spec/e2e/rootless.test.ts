// Without root: the CLI run as `nobody` (util-linux setpriv) on a store root of its own. Every
// launcher runs the container in a user namespace that maps nobody to 0 (the command is PID 1,
// its root is pivoted, devpts has no tty group, /sys is the host's, read-only); exec joins it;
// a RUN that makes an opaque dir is stored with user.overlay.opaque (trusted.* needs root) and
// the image runs.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BIN, requireBuilt, tempDir } from '../_fixtures/cli.js'
import { makeBusyboxRoot } from '../_fixtures/busybox.js'
import { launcherUnavailable } from '../runtime/_suite.js'
import { unavailable } from '../_fixtures/requires.js'

const NOBODY = 65534

function userNamespacesUnavailable(): string | undefined {
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'unshare', '--user', '--map-root-user', 'true'])
  return r.status === 0 ? undefined : `unprivileged user namespaces are not available here: ${r.stderr}`
}

const skip = launcherUnavailable('builtin') ?? unavailable('rootless specs', userNamespacesUnavailable())

let tmp: { dir: string; cleanup: () => void }
let root: string
/** A copy of dist/ in the temp dir: the checkout itself may not be readable by nobody. */
let bin: string

/** `store` as nobody, in the test's temp dir. */
function asNobody(args: string[], cwd?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '--', bin, '--root', root, ...args], {
    encoding: 'utf8', cwd: cwd ?? tmp.dir, env: { ...process.env, HOME: tmp.dir },
  })
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(() => {
  if (skip) return
  requireBuilt()
  tmp = tempDir('store-rootless-')
  chmodSync(tmp.dir, 0o755)
  root = join(tmp.dir, 'root')
  cpSync(dirname(dirname(BIN)), join(tmp.dir, 'dist'), { recursive: true })
  bin = join(tmp.dir, 'dist', 'cli', 'main.js')
  const bb = makeBusyboxRoot(join(tmp.dir, 'bb'))
  spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, tmp.dir])
  expect(asNobody(['import', bb, 'busybox']).status).toBe(0)
})

afterAll(() => {
  if (!tmp) return
  asNobody(['rm', '-f', 'rl-exec'])
  tmp.cleanup()
})

describe.skipIf(skip)('without root', () => {
  for (const launcher of ['builtin', 'runc', 'crun'] as const) {
    test.skipIf(launcherUnavailable(launcher))(`${launcher}: PID 1, uid 0 inside, capabilities, a read-only /sys`, () => {
      const r = asNobody(['run', '--rm', '--runtime', launcher, 'busybox', 'sh', '-c', 'echo $$ $(id -u); grep -E "^CapEff|^Seccomp:" /proc/self/status; touch /sys/x 2>/dev/null || echo sys-ro'])
      expect([r.status, r.stderr]).toEqual([0, ''])
      expect(r.stdout).toBe('1 0\nCapEff:\t00000000a80425fb\nSeccomp:\t2\nsys-ro\n')
    })
  }

  test('exec joins the container (its user, IPC and PID namespaces)', () => {
    expect(asNobody(['run', '-d', '--name', 'rl-exec', 'busybox', 'sleep', '60']).status).toBe(0)
    const r = asNobody(['exec', 'rl-exec', 'sh', '-c', 'cat /proc/1/cmdline; echo; id -u'])
    expect([r.status, r.stdout]).toEqual([0, 'sleep\x0060\x00\n0\n'])
  })

  test('snapshots share content through the pool: the method the probe chose, writes copied up, fsck clean', () => {
    const info = asNobody(['system', 'info']).stdout
    const method = /Snapshot Sharing: (\S+)\n/.exec(info)?.[1]
    expect(info).toContain(`Probe ${method}: ok (`)
    const w = asNobody(['run', '--rm', 'busybox', 'sh', '-c', 'echo more >> /etc/passwd && tail -1 /etc/passwd'])
    expect([w.status, w.stdout]).toEqual([0, 'more\n'])
    expect(asNobody(['run', '--rm', 'busybox', 'grep', '-c', 'more', '/etc/passwd']).stdout).toBe('0\n')
    const f = asNobody(['fsck', '--snapshots'])
    expect([f.status, f.stdout]).toEqual([0, expect.stringMatching(/snapshots checked: no problems\n$/)])
  })

  test('a RUN that replaces a dir stores it opaque (user.overlay.opaque), and the image runs', () => {
    const ctx = join(tmp.dir, 'ctx')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN rm -rf /home && mkdir /home && echo x > /home/only\n')
    chownSync(ctx, NOBODY, NOBODY)
    chownSync(join(ctx, 'Dockerfile'), NOBODY, NOBODY)
    const b = asNobody(['build', '-q', '-t', 'opq', ctx])
    expect(b.status, b.stderr).toBe(0)
    const r = asNobody(['run', '--rm', 'opq', 'ls', '/home'])
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'only\n', ''])
  })
})
