// The overlay drivers: kernel overlayfs, and fuse-overlayfs (the same layout and whiteout form,
// mounted by a FUSE daemon where the kernel one is unavailable).
// containers/<id>/ gets upper/ (the writable layer), work/ (overlayfs scratch), merged/ (the
// mount point) and l/<n> (short links to the snapshots, see _links.ts). Creating a container
// copies nothing: every container of an image shares the snapshot dirs as lowers.
// Data-only snapshots (metadata-only stubs, lib/snapshot/) add their pool as overlayfs'
// data-only lower (`lowerdir=l/0:l/1::l/d0`); the mount does not turn metacopy on, so the
// kernel follows the stubs' redirects while a copy-up always copies the whole file: the upper
// dir, what diff and commit read, holds plain files as it always did. fuse-overlayfs cannot
// follow such stubs: a container of it gets the data-only tree materialised once, at create,
// into containers/<id>/flat (copies filled from the pool), stacked in its place.

import { mkdir, mkdtemp, rmdir } from 'node:fs/promises'
import { rmTree } from '../_rm.js'
import type { LayerChange, MountStep, RootfsPlan, StorageDriver } from './types.js'
import { ensureDataLinks, ensureLinks, lowerdirOption } from './_links.js'
import { dataLowers, isDataOnly } from './_stubs.js'
import { upperChanges } from './_upperChanges.js'
import { OPAQUE_FUSE, OPAQUE_TRUSTED, OPAQUE_USER, queryOracle } from '../_xattr.js'
import { treeSize } from '../_treeSize.js'
import { unmount, unmountUnder } from './_mounts.js'
import { mountStepCommand } from './steps.js'
import { exec } from '../_exec.js'
import { materialise } from './_materialise.js'
import { Codes, StoreError } from '../errors.js'

export interface OverlayOptions {
  /**
   * Mount with `userxattr`: overlayfs inside a user namespace (kernel >= 5.11) keeps its markers
   * in user.overlay.* instead of trusted.overlay.*. Default: when not running as root.
   */
  userxattr?: boolean
}

const isRoot = () => process.getuid?.() === 0

export function overlayDriver(opts: OverlayOptions = {}): StorageDriver {
  const userxattr = opts.userxattr ?? !isRoot()
  return overlayFamily('overlay', userxattr ? [OPAQUE_USER] : [OPAQUE_TRUSTED], userxattr ? ['userxattr'] : [])
}

export function fuseOverlayDriver(): StorageDriver {
  return overlayFamily('fuse-overlayfs', [OPAQUE_TRUSTED, OPAQUE_USER, OPAQUE_FUSE], [])
}

function overlayFamily(name: 'overlay' | 'fuse-overlayfs', opaqueNames: string[], extraOptions: string[]): StorageDriver {
  const dirs = (c: string) => ({ upper: `${c}/upper`, work: `${c}/work`, merged: `${c}/merged`, empty: `${c}/empty` })

  // overlayfs needs at least one lowerdir: an image without layers gets an empty one.
  const lowerOpt = (c: string, lowers: string[], extraTop: string[] = [], data = 0) =>
    lowers.length === 0 ? `lowerdir=${[...extraTop, 'empty'].join(':')}` : lowerdirOption(lowers, extraTop, data)

  /** fuse-overlayfs: a data-only lower is read from its materialised copy (see above). */
  const stacked = (c: string, lowers: string[]) => (name === 'fuse-overlayfs' ? lowers.map((l) => (isDataOnly(l) ? `${c}/flat` : l)) : lowers)

  const step = (c: string, given: string[], target: string, readOnlyWithUpper: boolean): MountStep => {
    const lowers = stacked(c, given)
    ensureLinks(c, lowers)
    const data = dataLowers(lowers)
    ensureDataLinks(c, data)
    const options = readOnlyWithUpper
      ? [lowerOpt(c, lowers, ['upper'], data.length), ...extraOptions]
      : [lowerOpt(c, lowers, [], data.length), 'upperdir=upper', 'workdir=work', ...extraOptions]
    // Explicitly off (a host may default it on): a chmod in the container must copy the whole
    // file up, so the upper dir never holds a metadata-only file that diff would read as zeros.
    if (data.length > 0) options.push('metacopy=off')
    return { type: name, source: name, target, options, cwd: c }
  }

  return {
    name,

    async create(c, lowers) {
      const d = dirs(c)
      await Promise.all([d.upper, d.work, d.merged, d.empty].map((p) => mkdir(p, { recursive: true })))
      const flat = name === 'fuse-overlayfs' ? lowers.filter(isDataOnly) : []
      if (flat.length > 0) await materialise(flat, `${c}/flat`, opaqueNames)
      ensureLinks(c, stacked(c, lowers))
    },

    mountPlan(c, lowers): RootfsPlan {
      const d = dirs(c)
      return { rootfs: d.merged, steps: [step(c, lowers, d.merged, false)] }
    },

    changes(c, lowers): Promise<LayerChange[]> {
      return upperChanges(dirs(c).upper, lowers, queryOracle(opaqueNames))
    },

    writableSize(c) {
      return treeSize(dirs(c).upper)
    },

    async withMergedRoot(c, lowers, fn) {
      // A read-only overlay with upper/ as the top-most lower: never touches upper/ or work/,
      // so it is safe while the container runs, and two of them can coexist.
      const target = await mkdtemp(`${c}/mnt-`)
      try {
        if (!isRoot()) {
          // Mounting needs privileges the host namespace does not give us: materialise instead.
          await materialise([dirs(c).upper, ...lowers], target, opaqueNames)
          return await fn(target)
        }
        const cmd = mountStepCommand(step(c, lowers, target, true))
        const r = await exec('/bin/sh', ['-c', cmd])
        if (r.code !== 0) throw new StoreError(Codes.DRIVER_UNAVAILABLE, `cannot mount the merged root of ${c}: ${r.stderr.trim()}`)
        try {
          return await fn(target)
        } finally {
          await unmount(target)
        }
      } finally {
        // Never rm -r a mount point: only an empty dir (or the materialised copy) goes.
        if (isRoot()) await rmdir(target).catch(() => {})
        else await rmTree(target)
      }
    },

    async remove(c) {
      await unmountUnder(c)
      await rmTree(c)
    },
  }
}

