// A writable layer's files as the content of its layer's regular files, for the direct commit
// (commit.ts): the bytes a snapshot file or pool file needs are already on this file system,
// in the container's upper dir (overlay) or rootfs (copy), so they are linked or copied from
// there instead of being read back out of the chunk store.
//
// scan() runs BEFORE the layer's tar is read: it notes each regular file's identity and times
// (device, inode, size, mtime, ctime) and whether it has xattrs. open() checks the file against
// that note, and again after reading it: a file that changed in between (a container started
// again beside a `store commit`) fails the commit with TREE_CHANGED, and the snapshot is then
// extracted from the layer as before; it never becomes a snapshot that differs from its layer.
//
// Taking an inode (linking it into the pool or the snapshot instead of copying its bytes) is
// allowed only when nothing uses the tree afterwards (`disposable`: a build step's container,
// which cannot be started again and is removed by its build), the file has no xattrs (a layer made from a tree carries none, and
// overlayfs marks its copy-ups with trusted.overlay.origin: such files are copied, so the pool
// and the snapshot never hold an xattr the layer does not have), and every name of the inode is
// in the layer (a hard link to a file outside the changes would share the pool's bytes).
// Everything else is copied (cloned where the file system can), never read through Node.
//
// Trees are reached through open dir fds (fsroot's TreeReader), never by re-walking a path.

import { closeSync, constants as C, fstatSync, linkSync, lstatSync, readSync, rmSync, type BigIntStats } from 'node:fs'
import { createHash } from 'node:crypto'
import { Codes, StoreError } from '../errors.js'
import type { LayerChange } from '../layer/changes.js'
import { xattrHolders } from '../_xattr.js'
import { TreeReader, type DirFd } from '../fsroot/index.js'

/** What the commit is given: the layer's changes as the driver reported them. */
export interface WritableLayer {
  changes: LayerChange[]
  /**
   * Nothing uses the tree after the commit (a build step's container, removed next): its
   * files' inodes may become the snapshot's and the pool's. Otherwise (`store commit`: the
   * container stays and may run again) their bytes are copied.
   */
  disposable: boolean
}

interface Noted {
  root: string
  st: BigIntStats
  takable: boolean
}

/**
 * One read buffer for every file hashed (synchronous reads: never two at once); a fresh MiB per
 * file cost ~10 % of a commit in garbage collection.
 */
let shared: Buffer | undefined

/** SHA-256 (hex) of what an open file holds from its start, and how many bytes that was. */
export function sha256Fd(fd: number): { hex: string; bytes: number } {
  const h = createHash('sha256')
  const buf = (shared ??= Buffer.allocUnsafeSlow(1 << 20))
  let at = 0
  for (let n; (n = readSync(fd, buf, 0, buf.length, at)) > 0; at += n) h.update(n === buf.length ? buf : buf.subarray(0, n))
  return { hex: h.digest('hex'), bytes: at }
}

export class WritableFiles {
  private readonly files = new Map<string, Noted>()
  private readonly readers = new Map<string, TreeReader>()

  private constructor() {}

  /** Notes the regular files of the changes; call before their tar is read. */
  static async scan(w: WritableLayer): Promise<WritableFiles> {
    const out = new WritableFiles()
    const root = process.getuid?.() === 0
    const names = new Map<string, number>() // dev:ino -> names of it among the changes
    const holders = new Map<string, Set<string>>()
    try {
      for (const c of w.changes) {
        if (c.kind !== 'add' && c.kind !== 'modify') continue
        const { dir, name } = out.reader(c.root).parentOf(c.path)
        const st = dir.lstat(name, { bigint: true })
        // Unreadable without root (mode 0): its bytes come from the chunk store.
        if (!st.isFile() || st.size === 0n || (!root && !(st.mode & 0o400n))) continue
        if (!holders.has(c.root)) holders.set(c.root, w.disposable ? await xattrHolders(c.root) : new Set())
        out.files.set(c.path, { root: c.root, st, takable: w.disposable && !holders.get(c.root)!.has(`${c.root}/${c.path}`) })
        const key = `${st.dev}:${st.ino}`
        names.set(key, (names.get(key) ?? 0) + 1)
      }
      for (const f of out.files.values()) if (BigInt(names.get(`${f.st.dev}:${f.st.ino}`)!) !== f.st.nlink) f.takable = false
    } catch (e) {
      out.close()
      throw e
    }
    return out
  }

  /** Whether the writable layer has the bytes of regular file `name` (a normalised layer path). */
  has(name: string): boolean {
    return this.files.has(name)
  }

  /** The file at `name`, checked against the scan; the caller closes it. */
  open(name: string): WritableFile {
    const f = this.files.get(name)!
    const { dir, name: base } = this.reader(f.root).parentOf(name)
    let fd: number
    try {
      fd = dir.openFile(base)
    } catch (e) {
      throw changed(name, e)
    }
    const file = new WritableFile(fd, dir, base, name, f.st, f.takable)
    try {
      file.check()
    } catch (e) {
      file.close()
      throw e
    }
    return file
  }

  close(): void {
    for (const r of this.readers.values()) r.close()
    this.readers.clear()
  }

  private reader(root: string): TreeReader {
    let r = this.readers.get(root)
    if (!r) this.readers.set(root, (r = new TreeReader(root)))
    return r
  }
}

/** One open file of the writable layer. */
export class WritableFile {
  constructor(
    readonly fd: number,
    private readonly dir: DirFd,
    private readonly base: string,
    readonly name: string,
    private readonly noted: BigIntStats,
    /** Its inode may be linked into the pool or the snapshot (see the head of this file). */
    readonly takable: boolean,
  ) {}

  /** The file itself, by its open fd (a magic link): for copies. */
  get path(): string {
    return `/proc/self/fd/${this.fd}`
  }

  get size(): number {
    return Number(this.noted.size)
  }

  /** TREE_CHANGED unless the file is the one scanned, with the same size and times. */
  check(): void {
    const now = fstatSync(this.fd, { bigint: true })
    const n = this.noted
    if (now.dev !== n.dev || now.ino !== n.ino || now.size !== n.size || now.mtimeNs !== n.mtimeNs || now.ctimeNs !== n.ctimeNs) throw changed(this.name)
  }

  /** SHA-256 of its bytes (hex), checked unchanged after reading. */
  sha256(): string {
    const { hex, bytes } = sha256Fd(this.fd)
    this.check()
    if (bytes !== this.size) throw changed(this.name)
    return hex
  }

  /** Links its inode at `to` (takable files only); the new name is checked to be this inode. */
  linkTo(to: string): void {
    if (!this.takable) throw new Error(`internal: "${this.name}" may not be taken`)
    try {
      linkSync(this.dir.at(this.base), to)
    } catch (e) {
      throw changed(this.name, e)
    }
    if (lstatSync(to, { bigint: true }).ino !== this.noted.ino) {
      rmSync(to, { force: true })
      throw changed(this.name)
    }
  }

  close(): void {
    closeSync(this.fd)
  }
}

function changed(name: string, cause?: unknown): StoreError {
  return new StoreError(Codes.TREE_CHANGED, `"${name}" changed in the writable layer as it was committed`, { data: { name }, ...(cause ? { cause } : {}) })
}

/** Flags of a copy that clones where the file system can and never replaces a file. */
export const COPY_FLAGS = C.COPYFILE_EXCL | C.COPYFILE_FICLONE
