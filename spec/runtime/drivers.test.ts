// Launchers on real driver roots: the driver's mount plan runs inside the container's own mount
// namespace, writes land in the writable layer, and a SIGKILLed launcher leaves no process and
// no mount behind (fuse-overlayfs' daemon included).

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { copyDriver, fuseOverlayDriver, overlayDriver, type StorageDriver } from '../../lib/driver/index.js'
import { containerPid, prepareInitLayer, type LauncherName } from '../../lib/runtime/index.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { needTool, unavailable } from '../_fixtures/requires.js'
import { launcherUnavailable, waitFor } from './_suite.js'
import { run, specFor } from './_run.js'

/** Pids whose command line mentions `s`. */
function processesMentioning(s: string): number[] {
  const out: number[] = []
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(s)) out.push(Number(p))
    } catch {
      // gone
    }
  }
  return out
}

const cases: [StorageDriver, LauncherName][] = [
  [overlayDriver(), 'builtin'],
  [overlayDriver(), 'runc'],
  [overlayDriver(), 'crun'],
  [fuseOverlayDriver(), 'builtin'],
  [copyDriver(), 'builtin'],
]

const why = busyboxUnavailable()
describe.skipIf(why !== undefined)('launchers on driver roots', () => {
  let tmp: string
  let base: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'store-rt-drivers-'))
    base = makeBusyboxRoot(join(tmp, 'base'))
  })
  afterAll(async () => {
    for (const d of readdirSync(tmp).filter((n) => n.startsWith('c-'))) await overlayDriver().remove(join(tmp, d))
    rmSync(tmp, { recursive: true, force: true })
  })

  for (const [driver, launcher] of cases) {
    const skip =
      launcherUnavailable(launcher) ??
      (driver.name === 'fuse-overlayfs' ? unavailable('fuse-overlayfs launcher specs', needTool(['/usr/bin/fuse-overlayfs'], 'fuse-overlayfs')) : undefined)
    test.skipIf(skip !== undefined)(`${driver.name} + ${launcher}: writes land in the writable layer, nothing is left mounted`, async () => {
      const c = join(tmp, `c-${driver.name}-${launcher}`)
      mkdirSync(c)
      // The mount points the image lacks (/etc/hosts...) come from an init layer, on top.
      const opts = { launcher, cwd: '/srv/work' }
      const lowers = [join(c, 'init'), base]
      await prepareInitLayer(lowers[0], [base], specFor('/unused', ['true'], opts), c)
      await driver.create(c, lowers)
      const plan = driver.mountPlan(c, lowers)
      const r = await run(c, plan.rootfs, ['sh', '-c', 'echo hi > /new && rm /etc/group && pwd && cat /proc/self/mountinfo | head -1'], { ...opts, rootfsSteps: plan.steps })
      expect(r.stderr).toBe('')
      expect(r.exitCode).toBe(0)
      expect(r.stdout).toMatch(/^\/srv\/work\n.* \/ /)
      // Exactly what the process did: no mount point, no working dir, no parent dir touched.
      expect((await driver.changes(c, lowers)).map((x) => `${x.kind} ${x.path}`)).toEqual(['modify etc', 'delete etc/group', 'add new'])
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(c)

      // Killed with -9 while running: the namespace goes, and every process with it.
      const out = mkdtempSync(join(c, 'out-'))
      let pid = 0
      const p = run(c, plan.rootfs, ['sh', '-c', 'touch /out/ready; exec sleep 60'], {
        launcher, rootfsSteps: plan.steps, onSpawn: (x) => (pid = x),
        mounts: [{ destination: '/out', type: 'bind', source: out, options: ['rbind'] }],
      })
      await waitFor(() => existsSync(join(out, 'ready')))
      expect(await containerPid(pid, launcher)).toBeGreaterThan(0)
      expect(processesMentioning(c).length).toBeGreaterThan(0)
      process.kill(pid, 'SIGKILL')
      expect((await p).exitCode).toBe(137)
      await waitFor(() => processesMentioning(c).length === 0, 5000)
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(c)
    })
  }
})
