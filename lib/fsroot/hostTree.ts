// A plain host folder as a root: a build context, a snapshot being extracted, a test's tree.
// Synchronous calls inside on purpose: an lstat from the page cache costs microseconds, a trip
// through libuv's thread pool tens of them, and the resolver asks one component at a time.

import { lstatSync, readlinkSync, type Stats } from 'node:fs'
import { readNames } from './names.js'
import type { TreeFs } from './types.js'
import { byteOrder } from './_order.js'

const gone = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

export function hostTree(root: string): TreeFs<Stats> {
  const r = root.replace(/\/+$/, '') || '/'
  const at = (rel: string) => (rel === '' ? r : r === '/' ? `/${rel}` : `${r}/${rel}`)
  const lstat = (rel: string) => {
    try {
      return lstatSync(at(rel))
    } catch (e) {
      if (gone(e)) return undefined
      throw e
    }
  }
  return {
    lstat: async (rel) => lstat(rel),
    async entry(rel) {
      const stat = lstat(rel)
      return stat && { stat, path: at(rel) }
    },
    async readlink(rel) {
      return readlinkSync(at(rel))
    },
    async list(rel) {
      try {
        return readNames(at(rel), at(rel)).sort(byteOrder)
      } catch (e) {
        if (gone(e)) return []
        throw e
      }
    },
  }
}
