// The copy driver: a full materialisation at containers/<id>/rootfs (reflinked where the file
// system can, see _materialise.ts). Works on any file system and needs no mount privilege for
// the tree itself; its cost is paid at create() and in changes(), which compares the whole tree
// with the snapshots (_treeDiff.ts). The launcher bind-mounts rootfs onto itself, so a
// read-only root can be remounted like an overlay one.

import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { rmTree } from '../_rm.js'
import type { LayerChange, RootfsPlan, StorageDriver } from './types.js'
import { materialise } from './_materialise.js'
import { treeChanges } from './_treeDiff.js'
import { OPAQUE_TRUSTED, OPAQUE_USER, scanOracle } from '../_xattr.js'
import { unmountUnder } from './_mounts.js'

const OPAQUE = [OPAQUE_TRUSTED, OPAQUE_USER]

export function copyDriver(): StorageDriver {
  const rootfs = (c: string) => `${c}/rootfs`
  // Written after the copy: its ctime splits "copied" from "touched by the container"; it also
  // keeps the lowers, for writableSize() which is not given them.
  const stamp = (c: string) => `${c}/rootfs.json`

  const changes = async (c: string, lowers: string[]): Promise<LayerChange[]> => {
    const since = await stat(stamp(c), { bigint: true }).then((s) => s.ctimeNs, () => 0n)
    const oracle = await scanOracle(OPAQUE, lowers)
    return treeChanges(rootfs(c), lowers, oracle, since, OPAQUE)
  }

  return {
    name: 'copy',

    async create(c, lowers) {
      await mkdir(c, { recursive: true })
      await materialise(lowers, rootfs(c), OPAQUE)
      await writeFile(stamp(c), JSON.stringify({ lowers, created: new Date().toISOString() }) + '\n')
    },

    mountPlan(c): RootfsPlan {
      return { rootfs: rootfs(c), steps: [{ type: 'bind', source: rootfs(c), target: rootfs(c), options: ['bind'] }] }
    },

    changes,

    async writableSize(c) {
      // What the container wrote: the sizes of what it added or changed (each inode once).
      const rec = JSON.parse(await readFile(stamp(c), 'utf8')) as { lowers: string[] }
      const seen = new Set<string>()
      let total = 0
      for (const ch of await changes(c, rec.lowers)) {
        if (ch.kind === 'delete') continue
        const st = await lstat(ch.source)
        if (!(st.isFile() || st.isSymbolicLink()) || seen.has(`${st.ino}`)) continue
        seen.add(`${st.ino}`)
        total += st.size
      }
      return total
    },

    async withMergedRoot(c, _lowers, fn) {
      return fn(rootfs(c))
    },

    async remove(c) {
      // A bind mount of rootfs only ever lives in a container's namespace; unmount leftovers
      // anyway so rm -r can never run through a mount.
      await unmountUnder(c)
      await rmTree(c)
    },
  }
}
