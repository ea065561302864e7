// The FileSink the snapshot builder gives applyLayer: each regular file goes to the pool in the
// store's form (_stub.ts, _clone.ts, _link.ts), and what the snapshot's files use is kept for
// its map. Entries the layer later removes or re-links are kept in step: the map says what the
// finished tree holds, path by path. With `writable` set (a direct commit, commit.ts), a file
// whose bytes the writable layer has takes them from there: its chunks are never read.

import { chmodSync, closeSync, constants as C, copyFileSync, fchownSync, fchmodSync, futimesSync, lchownSync, lutimesSync, openSync, readSync, writeSync } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import type { FileSink } from '../layer/apply.js'
import type { FileContent } from '../layer/_prefetch.js'
import { normalizeEntryPath } from '../layer/paths.js'
import type { TarHeader } from '../tar/index.js'
import type { Layout } from '../layout.js'
import { PoolBatch, writableOf } from './_poolBatch.js'
import { COPY_FLAGS, type WritableFile, type WritableFiles } from './_writable.js'
import type { PoolRef, SharingMethod } from './types.js'

export type Owner = { uid: number; gid: number } | undefined

/** One form's placement of a regular file; returns the xattrs the entry gets and its pool ref. */
export type PlaceFile = (ctx: PlaceContext, abs: string, rel: string, h: TarHeader, owner: Owner, content: FileContent) => Promise<{ xattrs?: Record<string, Uint8Array>; ref?: PoolRef }>

export interface PlaceContext {
  layout: Layout
  batch: PoolBatch
  /** Prefix of overlay's xattrs here: `trusted.overlay.` as root, `user.overlay.` in a user namespace. */
  overlayPrefix: string
}

export class SnapshotSink implements FileSink {
  readonly refs = new Map<string, PoolRef>()
  readonly ctx: PlaceContext
  /** Where the layer being applied has its files' bytes already (a direct commit); set per layer. */
  writable: WritableFiles | undefined

  constructor(layout: Layout, readonly form: SharingMethod, private readonly place: PlaceFile, overlayPrefix: string) {
    this.ctx = { layout, batch: new PoolBatch(layout), overlayPrefix }
  }

  async file(abs: string, rel: string, h: TarHeader, owner: Owner, content: FileContent) {
    const name = this.writable && content.refs.length > 0 ? normalizeEntryPath(h.name) : undefined
    let r: Awaited<ReturnType<PlaceFile>>
    if (name !== undefined && this.writable!.has(name)) {
      await content.discard() // never read ahead: wants() said no
      const f = this.writable!.open(name)
      try {
        r = await this.place(this.ctx, abs, rel, h, owner, writableContent(content.refs, f))
      } finally {
        f.close()
      }
    } else r = await this.place(this.ctx, abs, rel, h, owner, content)
    if (r.ref) this.refs.set(rel, r.ref)
    else this.refs.delete(rel)
    return r.xattrs
  }

  /**
   * A one-chunk file whose content the pool has is never read (its chunk's digest names it),
   * nor a file the writable layer has.
   */
  wants(h: TarHeader, refs: [string, number][]): boolean {
    if (this.writable?.has(normalizeEntryPath(h.name))) return false
    if (this.form === 'copy' || this.form === 'hardlink' || refs.length !== 1 || refs[0][1] !== h.size) return true
    return this.ctx.batch.locate(refs[0][0]) === undefined
  }

  removed(rel: string): void {
    this.refs.delete(rel)
    const below = `${rel}/`
    for (const k of this.refs.keys()) if (rel === '' || k.startsWith(below)) this.refs.delete(k)
  }

  linked(target: string, rel: string): void {
    const ref = this.refs.get(target)
    if (ref) this.refs.set(rel, ref)
    else this.refs.delete(rel)
  }
}

/** Owner (before mode: chown clears setuid bits), mode and times through the file's own fd. */
export function setMeta(fd: number, h: TarHeader, owner: Owner): void {
  if (owner) fchownSync(fd, owner.uid, owner.gid)
  fchmodSync(fd, h.mode & 0o7777)
  futimesSync(fd, h.mtime, h.mtime)
}

/** A new file at `abs` (nothing there: O_EXCL, never following a link), `fn` run on its fd. */
export function createAt(abs: string, fn: (fd: number) => void): void {
  const fd = openSync(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600)
  try {
    fn(fd)
  } finally {
    closeSync(fd)
  }
}

/** A plain copy: content written in place (the copy form, and empty files in every form). */
export const placeCopy: PlaceFile = async (_ctx, abs, _rel, h, owner, content) => {
  const from = writableOf(content)
  if (from) {
    placeWritable(from, abs, h)
    // By path: a taken file's mode may deny its owner reading (the path is a regular file we
    // just made in our own temp tree: nothing to follow). Owner before mode, as setMeta.
    if (owner) lchownSync(abs, owner.uid, owner.gid)
    chmodSync(abs, h.mode & 0o7777)
    lutimesSync(abs, h.mtime, h.mtime)
    return {}
  }
  let written = 0
  const fd = openSync(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600)
  try {
    for await (const b of content) {
      writeSync(fd, b, 0, b.length, written)
      written += b.length
    }
    if (written !== h.size) throw new StoreError(Codes.LAYER_CORRUPT, `layer content of "${h.name}" has ${written} bytes, header says ${h.size}`)
    setMeta(fd, h, owner)
  } finally {
    closeSync(fd)
  }
  return {}
}

/** The copy form's file from a writable layer: its inode when it may be taken, else a clone or copy. */
function placeWritable(f: WritableFile, abs: string, h: TarHeader): void {
  if (f.size !== h.size) throw new StoreError(Codes.TREE_CHANGED, `"${h.name}" has ${f.size} bytes in the writable layer, its layer says ${h.size}`, { data: { name: h.name } })
  if (f.takable) f.linkTo(abs)
  else {
    copyFileSync(f.path, abs, COPY_FLAGS)
    f.check()
  }
}

/** A file's content as the writable layer has it: its chunks' refs (for the pool's names) and the open file. */
function writableContent(refs: FileContent['refs'], f: WritableFile): FileContent & { writable: WritableFile } {
  return {
    refs,
    writable: f,
    async *[Symbol.asyncIterator]() {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, f.size)))
      for (let at = 0, n; (n = readSync(f.fd, buf, 0, buf.length, at)) > 0; at += n) yield Buffer.from(buf.subarray(0, n))
    },
    discard: async () => {},
  }
}
