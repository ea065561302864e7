// The tar header of one entry of a folder, from its lstat: the one rule for dirTar()/itemsTar()
// (_entryTar.ts, from fs.Stats) and the worker-read folder import (ingestTree.ts, from the
// numbers _readWorker.ts sends), so both write the same bytes for the same tree. Pure.

import type { TarHeader } from '../tar/index.js'

/** What a header needs of an lstat (fs.Stats has these fields, mtime aside). */
export interface StatLike {
  mode: number
  uid: number
  gid: number
  size: number
  /** Whole seconds: Math.floor(mtimeMs / 1000), as fs.Stats gives it. */
  mtime: number
  nlink: number
  dev: number
  ino: number
  rdev: number
}

const S_IFMT = 0o170000
/** A folder's entries carry no xattrs: one shared empty record, never written to. */
const NO_XATTRS: Record<string, Uint8Array> = Object.freeze({}) as Record<string, Uint8Array>
const TYPES: Record<number, TarHeader['type'] | undefined> = {
  0o100000: 'file', 0o040000: 'dir', 0o120000: 'symlink', 0o020000: 'char', 0o060000: 'block', 0o010000: 'fifo',
}

/** The tar type of an lstat mode; undefined for what tar skips (a socket). */
export const tarTypeOf = (mode: number): TarHeader['type'] | undefined => TYPES[mode & S_IFMT]

/**
 * The header for `name`; undefined for a socket (skipped, as tar does). A regular file with
 * more names becomes a hardlink to the first one met (`links`: dev:ino -> name, filled here).
 * `mode`, when given, replaces the permission bits (not a symlink's).
 */
export function headerOf(name: string, st: StatLike, linkname: string, links: Map<string, string>, opts: TreeTarOptions = {}, mode?: number): TarHeader | undefined {
  const type = tarTypeOf(st.mode)
  if (!type) return undefined
  let mtime = st.mtime
  if (opts.sourceDateEpoch !== undefined && mtime > opts.sourceDateEpoch) mtime = opts.sourceDateEpoch
  const h: TarHeader = {
    name, type, mode: st.mode & 0o7777, uid: opts.chown?.uid ?? st.uid, gid: opts.chown?.gid ?? st.gid,
    uname: '', gname: '', size: 0, mtime, linkname: '', devmajor: 0, devminor: 0, xattrs: NO_XATTRS,
  }
  if (mode !== undefined && type !== 'symlink') h.mode = mode
  if (type === 'file' && st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`
    const first = links.get(key)
    if (first !== undefined) return { ...h, type: 'hardlink', linkname: first }
    links.set(key, name)
  }
  switch (type) {
    case 'dir':
      h.name = `${name}/`
      break
    case 'symlink':
      h.linkname = linkname
      break
    case 'char':
    case 'block':
      h.devmajor = (st.rdev >> 8) & 0xfff
      h.devminor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)
      break
    case 'file':
      h.size = st.size
      break
  }
  return h
}

export interface TreeTarOptions {
  /** Clamp every mtime to at most this (seconds), for reproducible builds. */
  sourceDateEpoch?: number
  /** Override ownership of every entry (COPY --chown). */
  chown?: { uid: number; gid: number }
}
