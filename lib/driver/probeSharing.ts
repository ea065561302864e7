// How snapshots can share file content here (lib/snapshot/types.ts), each tried for real in a
// temp dir under the store root (ingest/, swept if we are killed), most sharing first:
//   data-only  the overlay driver only: a stub (sparse, overlay's metacopy + redirect xattrs)
//              over a pool dir mounted as a data-only lower (kernel >= 6.5) must read the pool
//              file's bytes, take a write (a whole-file copy-up) and leave the pool file as it
//              was, and changes() must see the write. Without root the same runs in a user
//              namespace, the stubs' xattrs in user.overlay.* (`userxattr`): it passes on 6.18.
//   reflink    FICLONE of a file into another on the store's file system (btrfs, XFS, …).
//   hardlink   link(2) inside the store's file system.
//   copy       always.

import { constants as C, copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import type { DriverName } from './types.js'
import { exec, shQuote as q } from '../_exec.js'
import { rmTree } from '../_rm.js'
import { mountStepsScript } from './steps.js'
import { overlayDriver } from './overlay.js'
import { layout, poolRedirect } from '../layout.js'
import { encodeMap } from '../snapshot/map.js'
import { SHARING_ORDER, type SharingMethod, type SharingProbe } from '../snapshot/types.js'

const CONTENT = 'pooled content\n'
const HEX = 'ab'.repeat(32)

/** Every method, in order, for a store using `driver`. */
export async function probeSharing(root: string, driver: DriverName): Promise<SharingProbe[]> {
  const out: SharingProbe[] = []
  for (const m of SHARING_ORDER) out.push(await probeSharingMethod(root, driver, m))
  return out
}

export async function probeSharingMethod(root: string, driver: DriverName, method: SharingMethod): Promise<SharingProbe> {
  const ingest = layout(root).ingestDir
  mkdirSync(ingest, { recursive: true })
  const tmp = mkdtempSync(`${ingest}/probe-sharing-`)
  try {
    return { method, ...(await tryMethod(tmp, driver, method)) }
  } catch (e: any) {
    return { method, ok: false, reason: String(e?.message ?? e).trim().split('\n').pop() ?? 'failed' }
  } finally {
    await rmTree(tmp)
  }
}

async function tryMethod(tmp: string, driver: DriverName, method: SharingMethod): Promise<{ ok: boolean; reason: string }> {
  writeFileSync(`${tmp}/a`, CONTENT)
  switch (method) {
    case 'copy':
      return { ok: true, reason: 'plain copies: every snapshot keeps its own bytes' }
    case 'hardlink':
      linkSync(`${tmp}/a`, `${tmp}/b`)
      return { ok: true, reason: 'hard links into the pool, where owner, mode, mtime, xattrs and path are equal' }
    case 'reflink':
      try {
        copyFileSync(`${tmp}/a`, `${tmp}/b`, C.COPYFILE_FICLONE_FORCE)
      } catch (e: any) {
        return { ok: false, reason: `no reflinks on this file system (FICLONE: ${e?.code ?? e})` }
      }
      return { ok: true, reason: 'reflinks (FICLONE): clones of pool files share their extents' }
    case 'data-only':
      if (driver !== 'overlay') return { ok: false, reason: `needs the kernel overlay driver (${driver} cannot follow metadata-only stubs)` }
      return tryDataOnly(tmp)
  }
}

async function tryDataOnly(tmp: string): Promise<{ ok: boolean; reason: string }> {
  // A store in miniature: <tmp>/snapshots/<hex>(.map) and <tmp>/pool.
  const l = layout(tmp)
  const snap = `${l.snapshotsDir}/${HEX}`
  mkdirSync(snap, { recursive: true })
  mkdirSync(l.poolFile(HEX).replace(/\/[^/]+$/, ''), { recursive: true })
  writeFileSync(l.poolFile(HEX), CONTENT, { mode: 0o444 })
  linkSync(l.poolFile(HEX), l.poolAlias(HEX))
  truncateSync(`${tmp}/a`, 0)
  writeFileSync(`${snap}/f`, '')
  truncateSync(`${snap}/f`, CONTENT.length)
  const prefix = process.getuid?.() === 0 ? 'trusted.overlay.' : 'user.overlay.'
  const attrs = await exec('/bin/sh', ['-c', `setfattr -n ${prefix}metacopy ${q(`${snap}/f`)} && setfattr -n ${prefix}redirect -v ${q(poolRedirect(HEX))} ${q(`${snap}/f`)}`])
  if (attrs.code !== 0) return { ok: false, reason: `cannot set overlay xattrs: ${attrs.stderr.trim()}` }
  writeFileSync(l.snapshotMap(`sha256:${HEX}`), encodeMap('data-only', 0, [['f', { hex: HEX }]]))
  const d = overlayDriver()
  const c = `${tmp}/c`
  await d.create(c, [snap])
  const plan = d.mountPlan(c, [snap])
  const m = plan.rootfs
  const check = `${mountStepsScript(plan.steps)}test "$(cat ${q(`${m}/f`)})" = ${q(CONTENT.trim())} || { echo 'reads zeros through the stub' >&2; exit 1; }\necho more >> ${q(`${m}/f`)} && umount ${q(m)}\n`
  const userns = process.getuid?.() !== 0 ? ['--user', '--map-root-user'] : []
  const r = await exec('unshare', [...userns, '--mount', '--propagation', 'private', '/bin/sh', '-c', check])
  if (r.code !== 0) return { ok: false, reason: `data-only lower test failed: ${r.stderr.trim().split('\n').pop() ?? `status ${r.code}`}` }
  if (readFileSync(l.poolFile(HEX), 'utf8') !== CONTENT) return { ok: false, reason: 'a write through the mount changed the pool file' }
  const changes = (await d.changes(c, [snap])).map((x) => `${x.kind} ${x.path}`).join(', ')
  if (changes !== 'modify f' || readFileSync(`${c}/upper/f`, 'utf8') !== `${CONTENT}more\n`) return { ok: false, reason: `unexpected copy-up: ${changes}` }
  return { ok: true, reason: 'kernel overlayfs follows metadata-only stubs into the pool (lowerdir=…::pool, metacopy, redirect)' }
}
