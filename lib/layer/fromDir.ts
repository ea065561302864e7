// A folder (or a container's list of changes) as a deterministic tar stream, which ingestTar()
// then turns into a layer: one code path for every way a layer is made, so the diffID is always
// the hash of the tar we would export.
//
// Determinism: entries sorted by byte order of their path, names without "./", dirs with a
// trailing "/", no uname/gname, integer mtimes (clamped to SOURCE_DATE_EPOCH when given),
// hardlinks for the second and later names of one inode.
//
// The trees read here may be live (a container's upper dir, a mounted merged root that its
// container still writes): they are walked with fsroot's fd discipline (DirFd, TreeReader), so
// a dir swapped for a symlink mid-walk fails the read instead of redirecting it to the host.

import { lstat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import { encodeHeader, type TarHeader } from '../tar/index.js'
import type { LayerChange } from './changes.js'
import { DirFd, TreeReader, byteOrder } from '../fsroot/index.js'
import { OPAQUE_MARKER, WHITEOUT_PREFIX, baseOf, parentOf } from './paths.js'
import { entryTar, headerTar, type TreeTarOptions } from './_entryTar.js'

export { byteOrder }
export type { TreeTarOptions }

const END = new Uint8Array(1024)

/**
 * All paths of a folder, relative, sorted by byte order, parents before children. `source` names
 * the entry through its parent's open fd (/proc/self/fd/N/name): valid until the walk moves on.
 * Synchronous file-system calls here and in entryTar(), on purpose: a tree import makes a few
 * calls per file, each costing microseconds from the page cache, while an async call waits
 * for a libuv thread round trip: the main thread sat idle 1.4 s of a 4.4 s re-import of
 * 690 MB waiting for them.
 */
export async function* walkTree(root: string): AsyncGenerator<{ name: string; source: string; stat: Stats }> {
  const top = DirFd.open(root)
  try {
    yield* walkDir(top, '')
  } finally {
    top.close()
  }
}

async function* walkDir(d: DirFd, rel: string): AsyncGenerator<{ name: string; source: string; stat: Stats }> {
  for (const n of d.list().sort(byteOrder)) {
    const r = rel ? `${rel}/${n}` : n
    const st = d.lstat(n)
    yield { name: r, source: d.at(n), stat: st }
    if (!st.isDirectory()) continue
    const child = d.dir(n) // ELOOP/ENOTDIR if it stopped being a dir since: the walk fails
    try {
      yield* walkDir(child, r)
    } finally {
      child.close()
    }
  }
}

/** Tar stream of a whole folder (the folder itself is not an entry). */
export async function* dirTar(root: string, opts: TreeTarOptions = {}): AsyncGenerator<Uint8Array> {
  const st = await lstat(root).catch(() => undefined)
  if (!st?.isDirectory()) throw new StoreError(Codes.INVALID_ARGUMENT, `not a directory: ${root}`)
  const links = new Map<string, string>()
  for await (const it of walkTree(root)) yield* entryTar(it.name, it.source, it.stat, links, opts)
  yield END
}

/**
 * One entry of itemsTar(): a host path (or a made-up `stat`) written under `name`, or an entry
 * of another archive (`header`, with its body). `mode`, when given, replaces the permission
 * bits (COPY --chmod, which Docker applies per item, not to the destination dirs the step
 * creates). Symlinks keep theirs.
 */
export type TarItem =
  | { name: string; source: string; stat: Stats; mode?: number }
  | { name: string; header: TarHeader; body?: AsyncIterable<Uint8Array>; mode?: number }

/** Tar stream of arbitrary host paths under chosen names (COPY): one entry per item, in order. */
export async function* itemsTar(items: AsyncIterable<TarItem> | Iterable<TarItem>, opts: TreeTarOptions = {}): AsyncGenerator<Uint8Array> {
  const links = new Map<string, string>()
  for await (const it of items) {
    if ('header' in it) yield* headerTar({ ...it.header, name: it.name }, it.body, opts, it.mode)
    else yield* entryTar(it.name, it.source, it.stat, links, opts, it.mode)
  }
  yield END
}

/** Tar stream of a writable layer's changes, in OCI form (.wh. files, opaque markers). */
export async function* changesTar(changes: LayerChange[], opts: TreeTarOptions = {}): AsyncGenerator<Uint8Array> {
  const links = new Map<string, string>()
  const readers = new Map<string, TreeReader>()
  try {
    for (const c of changes) {
      if (c.kind === 'delete') {
        const dir = parentOf(c.path)
        const name = `${dir ? dir + '/' : ''}${WHITEOUT_PREFIX}${baseOf(c.path)}`
        yield encodeHeader(whiteoutHeader(name, opts))
        continue
      }
      let reader = readers.get(c.root)
      if (!reader) readers.set(c.root, (reader = new TreeReader(c.root)))
      const { dir, name } = reader.parentOf(c.path)
      yield* entryTar(c.path, dir.at(name), dir.lstat(name), links, opts)
      if (c.kind === 'opaque') yield encodeHeader(whiteoutHeader(`${c.path}/${OPAQUE_MARKER}`, opts))
    }
  } finally {
    for (const r of readers.values()) r.close()
  }
  yield END
}

function whiteoutHeader(name: string, opts: TreeTarOptions): TarHeader {
  return {
    name, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size: 0,
    mtime: opts.sourceDateEpoch ?? 0, linkname: '', devmajor: 0, devminor: 0, xattrs: {},
  }
}
