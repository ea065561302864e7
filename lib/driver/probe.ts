// Which driver works here: each is tried for real, in DESIGN order (overlay, fuse-overlayfs,
// copy), on a tiny two-layer stack in a temp dir under the store root (ingest/, which fsck and
// prune sweep if we are killed). Mounts are made in a private mount namespace (`unshare -m`), so
// a probe never leaves anything mounted. The probe exercises the driver's own mountPlan(), and
// checks that a delete through the mount lands as a whiteout in upper/.

import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { rmTree } from '../_rm.js'
import { constants } from 'node:fs'
import type { DriverName, DriverProbe, StorageDriver } from './types.js'
import { overlayDriver, fuseOverlayDriver } from './overlay.js'
import { copyDriver } from './copy.js'
import { mountStepsScript } from './steps.js'
import { exec, shQuote as q } from '../_exec.js'
import { layout } from '../layout.js'
import { Codes, StoreError } from '../errors.js'
import { hostEnv } from '../config.js'

export const DRIVER_ORDER: DriverName[] = ['overlay', 'fuse-overlayfs', 'copy']

export function getDriver(name: DriverName): StorageDriver {
  switch (name) {
    case 'overlay':
      return overlayDriver()
    case 'fuse-overlayfs':
      return fuseOverlayDriver()
    case 'copy':
      return copyDriver()
    default:
      throw new StoreError(Codes.INVALID_ARGUMENT, `unknown storage driver "${name as string}"`, {
        hint: `one of: ${DRIVER_ORDER.join(', ')}`,
        })
  }
}

export async function probeDrivers(root: string): Promise<DriverProbe[]> {
  const out: DriverProbe[] = []
  for (const name of DRIVER_ORDER) out.push(await probeDriver(root, name))
  return out
}

export async function probeDriver(root: string, name: DriverName): Promise<DriverProbe> {
  const ingest = layout(root).ingestDir
  await mkdir(ingest, { recursive: true })
  const tmp = await mkdtemp(`${ingest}/probe-${name}-`)
  try {
    return { name, ...(await tryDriver(tmp, name)) }
  } catch (e: any) {
    return { name, ok: false, reason: String(e?.message ?? e) }
  } finally {
    await rmTree(tmp)
  }
}

async function tryDriver(tmp: string, name: DriverName): Promise<{ ok: boolean; reason: string }> {
  const lowers = [`${tmp}/l1`, `${tmp}/l0`]
  await mkdir(lowers[0], { recursive: true })
  await mkdir(lowers[1], { recursive: true })
  await writeFile(`${lowers[1]}/a`, 'a')
  await writeFile(`${lowers[0]}/b`, 'b')
  const c = `${tmp}/c`
  if (name === 'copy') {
    const d = copyDriver()
    await d.create(c, lowers)
    const ok = (await readFile(`${c}/rootfs/a`, 'utf8')) === 'a' && (await readFile(`${c}/rootfs/b`, 'utf8')) === 'b'
    if (!ok) return { ok: false, reason: 'materialised tree is wrong' }
    const fs = await backingFilesystem(tmp)
    const reflink = (await exec('cp', ['--reflink=always', `${lowers[1]}/a`, `${tmp}/reflink`])).code === 0
    return { ok: true, reason: `full copies ${reflink ? 'with reflinks' : 'without reflinks'} on ${fs}` }
  }
  if (name === 'fuse-overlayfs') {
    const bin = await which('fuse-overlayfs')
    if (!bin) return { ok: false, reason: 'fuse-overlayfs is not installed' }
    if (!(await access('/dev/fuse', constants.R_OK | constants.W_OK).then(() => true, () => false))) {
      return { ok: false, reason: '/dev/fuse is not accessible' }
    }
  }
  const d = getDriver(name)
  await d.create(c, lowers)
  const plan = d.mountPlan(c, lowers)
  const m = plan.rootfs
  // umount at the end also stops a fuse daemon, which would otherwise keep the namespace alive.
  const check = `${mountStepsScript(plan.steps)}test "$(cat ${q(`${m}/a`)})" = a && rm ${q(`${m}/a`)} && echo c > ${q(`${m}/c`)} && umount ${q(m)}\n`
  const userns = process.getuid?.() !== 0 ? ['--user', '--map-root-user'] : []
  const r = await exec('unshare', [...userns, '--mount', '--propagation', 'private', '/bin/sh', '-c', check])
  if (r.code !== 0) return { ok: false, reason: `test mount failed: ${r.stderr.trim().split('\n').pop() ?? `status ${r.code}`}` }
  const changes = await d.changes(c, lowers)
  const got = changes.map((x) => `${x.kind} ${x.path}`).join(', ')
  if (got !== 'delete a, add c') return { ok: false, reason: `unexpected changes through the mount: ${got}` }
  const fs = await backingFilesystem(tmp)
  return { ok: true, reason: name === 'overlay' ? `kernel overlayfs over ${fs}` : `fuse-overlayfs over ${fs}` }
}

/**
 * The driver a store uses: `forced` when given (and it works), else the first that works.
 * A forced driver that does not work is an error (DRIVER_UNAVAILABLE) with the probe's reason.
 */
export async function selectDriver(
  root: string,
  forced?: DriverName,
  probe: (root: string, name: DriverName) => Promise<DriverProbe> = probeDriver,
): Promise<{ name: DriverName; driver: StorageDriver; reason: string; probes: DriverProbe[] }> {
  if (forced) {
    getDriver(forced) // validates the name
    const p = await probe(root, forced)
    if (!p.ok) {
      throw new StoreError(Codes.DRIVER_UNAVAILABLE, `storage driver "${forced}" is not usable here: ${p.reason}`, {
        data: { driver: forced, reason: p.reason },
        hint: `drivers are tried in the order ${DRIVER_ORDER.join(', ')}; omit --storage-driver to pick the first that works`,
      })
    }
    return { name: forced, driver: getDriver(forced), reason: `chosen: ${p.reason}`, probes: [p] }
  }
  const probes: DriverProbe[] = []
  for (const name of DRIVER_ORDER) {
    const p = await probe(root, name)
    probes.push(p)
    if (p.ok) return { name, driver: getDriver(name), reason: p.reason, probes }
  }
  throw new StoreError(Codes.DRIVER_UNAVAILABLE, `no storage driver works here: ${probes.map((p) => `${p.name}: ${p.reason}`).join('; ')}`, {
    data: { probes },
  })
}

/** File system type holding `path` (from the mount table; `stat -f` as a fallback). */
export async function backingFilesystem(path: string): Promise<string> {
  const r = await exec('findmnt', ['-n', '-o', 'FSTYPE', '-T', path])
  if (r.code === 0 && r.stdout.toString().trim()) return r.stdout.toString().trim()
  const s = await exec('stat', ['-f', '-c', '%T', path])
  return s.code === 0 ? s.stdout.toString().trim() : 'unknown'
}

async function which(cmd: string): Promise<string | undefined> {
  for (const dir of (hostEnv().PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = `${dir}/${cmd}`
    if (await access(p, constants.X_OK).then(() => true, () => false)) return p
  }
  return undefined
}
