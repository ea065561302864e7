// The merged view of a container's lowers, without mounting: for callers that must look at an
// image's tree before a container runs (the launcher's init layer). Read-only.

import type { BigIntStats } from 'node:fs'
import { LowerView } from './_lowerView.js'
import { OPAQUE_TRUSTED, OPAQUE_USER, queryOracle } from './_xattr.js'

export interface MergedView {
  /** The entry a container would see at `path` (relative or absolute), or undefined. */
  lookup(path: string): Promise<{ path: string; stat: BigIntStats } | undefined>
  /** Names in the merged dir at `path`, sorted. */
  list(path: string): Promise<string[]>
}

export function mergedView(lowers: string[]): MergedView {
  const v = new LowerView(lowers, queryOracle([OPAQUE_TRUSTED, OPAQUE_USER]))
  const rel = (p: string) => p.split('/').filter((x) => x && x !== '.').join('/')
  return { lookup: (p) => v.lookup(rel(p)), list: (p) => v.list(rel(p)) }
}
