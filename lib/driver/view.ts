// The merged view of a container's lowers, without mounting: for callers that must look at an
// image's tree before a container runs (the launcher's init layer). Read-only.

import type { BigIntStats } from 'node:fs'
import { LowerView } from './_lowerView.js'
import { materialise } from './_materialise.js'
import { OPAQUE_TRUSTED, OPAQUE_USER, queryOracle } from './_xattr.js'

const OPAQUE = [OPAQUE_TRUSTED, OPAQUE_USER]

export interface MergedView {
  /** The entry a container would see at `path` (relative or absolute), or undefined. */
  lookup(path: string): Promise<{ path: string; stat: BigIntStats } | undefined>
  /** Names in the merged dir at `path`, sorted. */
  list(path: string): Promise<string[]>
  /**
   * The merged dir at `path` (which must be a dir of the view) as a plain tree at `dest`: only
   * that subtree is read. `link`: hard links to the snapshots' files, no data copied — for a
   * tree that is only mounted read-only; otherwise copies (reflinks where the fs has them).
   */
  materialise(path: string, dest: string, opts?: { link?: boolean }): Promise<void>
}

export function mergedView(lowers: string[]): MergedView {
  const v = new LowerView(lowers, queryOracle(OPAQUE))
  const rel = (p: string) => p.split('/').filter((x) => x && x !== '.').join('/')
  return {
    lookup: (p) => v.lookup(rel(p)),
    list: (p) => v.list(rel(p)),
    materialise: async (p, dest, opts) => materialise(await v.dirStack(rel(p)), dest, OPAQUE, opts),
  }
}
