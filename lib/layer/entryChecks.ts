// The checks every tar entry meets before it may become part of a layer, in archive order: the
// same for `store import`/`load` (ingest.ts) and for the archives ADD unpacks into a layer
// (build/addArchive.ts).
//   - no absolute name, no ".." (normalizeEntryPath);
//   - nothing written through a symlink of the same archive, a hardlink to a symlink counting
//     as one (SymlinkGuard), whiteouts and opaque markers included;
//   - a hardlink points to an earlier non-dir entry, not through a symlink;
//   - a whiteout name is a regular file;
//   - what Linux can apply at all (_applicable.ts): UTF-8 names, ids, name and path lengths,
//     xattr namespaces.

import { Codes, StoreError } from '../errors.js'
import type { TarHeader } from '../tar/index.js'
import { SymlinkGuard, normalizeEntryPath, whiteoutOf } from './paths.js'
import { PathSet } from './_pathSet.js'
import { checkApplicable } from './_applicable.js'

export class EntryChecks {
  private readonly guard = new SymlinkGuard()
  /** Every earlier non-dir entry: compact, as it holds (nearly) every path of the layer. */
  private readonly linkable = new PathSet()

  /** Checks the next entry; returns its normalised path and, for a hardlink, its target's. */
  check(h: TarHeader): { path: string; target?: string } {
    const path = normalizeEntryPath(h.name)
    checkApplicable(h, path)
    this.guard.check(path, h.name)
    let target: string | undefined
    if (h.type === 'hardlink') {
      target = normalizeEntryPath(h.linkname, `hardlink target of "${h.name}"`)
      this.guard.checkTarget(target, h.name, h.linkname)
      // Only an earlier non-dir entry can be linked to: apply would refuse anything else, say so now.
      if (!this.linkable.has(target)) {
        throw new StoreError(Codes.LAYER_REFUSED, `hardlink "${h.name}" points to "${h.linkname}", which is not an earlier entry of the layer`, { data: { path: h.name } })
      }
    }
    if (whiteoutOf(path) && h.type !== 'file') {
      throw new StoreError(Codes.TAR_INVALID, `whiteout "${h.name}" is not a regular file`, { data: { path: h.name } })
    }
    this.guard.record(path, h.type, target)
    if (h.type === 'dir') this.linkable.delete(path)
    else this.linkable.add(path)
    return target === undefined ? { path } : { path, target }
  }
}
