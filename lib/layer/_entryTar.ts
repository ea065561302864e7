// One tar entry from a host path and its lstat (fromDir.ts), or from an entry of another
// archive (ADD of a local tar): header, content, padding. File content is read through an
// O_NOFOLLOW|O_NONBLOCK open of `source` (a /proc/self/fd path from a live-tree walk, or a
// resolved host path): an entry swapped for a link or a fifo since its lstat is refused, not
// followed.

import { closeSync, constants as C, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { readlink } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import { encodeHeader, padding, type TarHeader } from '../tar/index.js'
import { headerOf, type StatLike, type TreeTarOptions } from './_treeHeader.js'

export type { TreeTarOptions } from './_treeHeader.js'

const ZERO_BLOCK = new Uint8Array(512)
// File reads: big enough to amortise syscalls, small enough that V8's external-memory
// accounting does not force a full GC every few reads (measured on a 690 MB re-import).
const READ_SIZE = 256 << 10
const PROBE = Buffer.alloc(1)

export async function* entryTar(
  name: string,
  source: string,
  st: Stats,
  links: Map<string, string>,
  opts: TreeTarOptions,
  mode?: number,
): AsyncGenerator<Uint8Array> {
  const stat: StatLike = { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, mtime: Math.floor(st.mtimeMs / 1000), nlink: st.nlink, dev: st.dev, ino: st.ino, rdev: Number(st.rdev) }
  const h = headerOf(name, stat, st.isSymbolicLink() ? await readlink(source) : '', links, opts, mode)
  if (!h) return // a socket: skipped, as tar does
  yield encodeHeader(h)
  if (h.type === 'file') {
    const fd = openRegular(source)
    try {
      let n = 0
      while (n < st.size) {
        // A fresh buffer per read: consumers keep views of what they were given.
        const buf = Buffer.allocUnsafeSlow(Math.min(READ_SIZE, st.size - n))
        const got = readSync(fd, buf, 0, buf.length, null)
        if (got === 0) throw changedError(source) // shrank
        n += got
        yield got === buf.length ? buf : buf.subarray(0, got)
      }
      if (readSync(fd, PROBE, 0, 1, null) !== 0) throw changedError(source) // grew
    } finally {
      closeSync(fd)
    }
    if (st.size % 512) yield ZERO_BLOCK.subarray(0, 512 - (st.size % 512))
  }
}

/**
 * An entry of another archive, renamed and re-owned as the layer wants it (ADD of a tar). Its
 * xattrs are dropped, as `tar -x` without --xattrs did when ADD extracted archives to disk.
 */
export async function* headerTar(h: TarHeader, body: AsyncIterable<Uint8Array> | undefined, opts: TreeTarOptions, mode?: number): AsyncGenerator<Uint8Array> {
  const out: TarHeader = { ...h, uname: '', gname: '', xattrs: {}, uid: opts.chown?.uid ?? h.uid, gid: opts.chown?.gid ?? h.gid }
  out.mtime = Math.floor(h.mtime)
  if (opts.sourceDateEpoch !== undefined && out.mtime > opts.sourceDateEpoch) out.mtime = opts.sourceDateEpoch
  if (mode !== undefined && h.type !== 'symlink' && h.type !== 'hardlink') out.mode = mode
  yield encodeHeader(out)
  if (h.type !== 'file') return
  let n = 0
  for await (const b of body ?? []) {
    n += b.length
    yield b
  }
  if (n !== h.size) throw new StoreError(Codes.TAR_TRUNCATED, `archive entry "${h.name}" has ${n} bytes, header says ${h.size}`)
  if (h.size % 512) yield padding(h.size)
}

function openRegular(source: string): number {
  let fd: number
  try {
    fd = openSync(source, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw changedError(source)
    throw e
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd)
    throw changedError(source)
  }
  return fd
}

function changedError(path: string): StoreError {
  return new StoreError(Codes.INVALID_ARGUMENT, `file changed as we read it: ${path}`, { data: { path } })
}
