// The merged view of a container's lowers, without mounting: for callers that must look at an
// image's tree before a container runs (the launcher's init layer, the user lookup, volume fill,
// COPY --from). Read-only. It is a TreeFs, so paths are resolved in it with fsroot's
// resolveInRoot: a symlink in the image is followed inside the image, never on the host.

import { lstatSync, readlinkSync, type BigIntStats, type Stats } from 'node:fs'
import type { TreeFs } from '../fsroot/index.js'
import { LowerView } from './_lowerView.js'
import { materialise } from './_materialise.js'
import { OPAQUE_TRUSTED, OPAQUE_USER, queryOracle } from '../_xattr.js'

const OPAQUE = [OPAQUE_TRUSTED, OPAQUE_USER]

export interface MergedView extends TreeFs<Stats> {
  /** The entry a container would see at `path` (relative or absolute), or undefined; `content`: where a stub's bytes are. */
  lookup(path: string): Promise<{ path: string; stat: BigIntStats; content?: string } | undefined>
  /** Names in the merged dir at `path`, sorted. */
  list(path: string): Promise<string[]>
  /**
   * The merged dir at `path` (which must be a dir of the view) as a plain tree at `dest`: only
   * that subtree is read. `link`: hard links to the snapshots' files, no data copied — for a
   * tree that is only mounted read-only; otherwise copies (reflinks where the fs has them).
   */
  materialise(path: string, dest: string, opts?: { link?: boolean }): Promise<void>
}

/** `lowers`: snapshot dirs, top-most first. */
export function mergedView(lowers: string[]): MergedView {
  const v = new LowerView(lowers, queryOracle(OPAQUE))
  const rel = (p: string) => p.split('/').filter((x) => x && x !== '.').join('/')
  // A second, plain lstat of the lower's path: callers of entry() want number fields (sizes,
  // mtimeMs) where LowerView keeps bigint nanoseconds for its exact comparisons.
  const entry = async (p: string) => {
    const e = await v.lookup(rel(p))
    return e && { stat: lstatSync(e.path), path: e.path, ...(e.content ? { content: e.content } : {}) }
  }
  return {
    lookup: (p) => v.lookup(rel(p)),
    list: (p) => v.list(rel(p)),
    entry,
    lstat: async (p) => (await entry(p))?.stat,
    async readlink(p) {
      const e = await v.lookup(rel(p))
      if (!e) throw Object.assign(new Error(`no such entry: ${p}`), { code: 'ENOENT' })
      return readlinkSync(e.path)
    },
    materialise: async (p, dest, opts) => materialise(await v.dirStack(rel(p)), dest, OPAQUE, { ...opts, stubs: (dir) => v.stubs(dir, rel(p)) }),
  }
}
