// The pool files one snapshot build adds, made durable together (as the content store's chunk
// batches are): each new content is written to a temp file under pool/.tmp-<pid>-<hex>/,
// hashed while written; commit() syncs the file system once, then links every temp file to its
// pool name(s) and syncs the names. Stored content is never modified: a pool name that exists
// is success (same digest, same bytes), and nothing in the pool is ever written in place.
// A killed build leaves only its temp dir (an orphan by its pid; gc and prune remove it).
// Content a writable layer has (a direct commit, commit.ts) becomes a temp file without being
// written again: its inode linked in, or a clone or copy of it.

import { chmodSync, closeSync, copyFileSync, existsSync, fchmodSync, fsyncSync, linkSync, lchownSync, lstatSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { Codes, StoreError } from '../errors.js'
import type { Layout } from '../layout.js'
import { syncFs } from '../_fs.js'
import type { FileContent } from '../layer/_prefetch.js'
import { COPY_FLAGS, sha256Fd, type WritableFile } from './_writable.js'

const NO_THROW = { throwIfNoEntry: false } as const

const ino = (p: string): number | undefined => {
  try {
    return lstatSync(p, NO_THROW)?.ino // mostly absent names: an ENOENT as an exception cost more than the call
  } catch {
    return undefined
  }
}

export interface Staged {
  hex: string
  /** Where the bytes are now: the pool file, or a temp file of this batch. */
  path: string
  /** A temp file of this batch (its pool names are linked at commit). */
  fresh: boolean
}

export class PoolBatch {
  private dir: string | undefined
  private n = 0
  /** Content temps by digest. */
  private readonly temps = new Map<string, string>()
  /** Links to make at commit, in order: [existing path, new pool name]. */
  private readonly links: [string, string][] = []
  /** Pool names this batch will create: a second use within the batch finds them here. */
  private readonly planned = new Map<string, string>()

  constructor(private readonly layout: Layout) {}

  /** Where content `hex` is (the pool, or this batch), or undefined. */
  locate(hex: string): string | undefined {
    const full = this.layout.poolFile(hex)
    return this.temps.get(hex) ?? this.planned.get(full) ?? (this.inPool(full) ? full : undefined)
  }

  /** A pool name (or a name this batch plans), or undefined. */
  has(name: string): string | undefined {
    return this.planned.get(name) ?? (this.inPool(name) ? name : undefined)
  }

  /**
   * Whether a pool name exists, asked of the file system once per batch: a file is looked up
   * when its entry is read ahead, when it is staged and when it is named (an lstat each was
   * most of a snapshot's syscalls). A name another process adds meanwhile is met at commit
   * (EEXIST), as it would be after a fresh lookup.
   */
  private inPool(name: string): boolean {
    let there = this.seen.get(name)
    if (there === undefined) this.seen.set(name, (there = ino(name) !== undefined))
    return there
  }

  private readonly seen = new Map<string, boolean>()

  /**
   * The content, in the pool or in a temp file. Read only when needed: a file of one chunk has
   * that chunk's digest (an inline file's is hashed from the index), so content the pool has
   * is never read again.
   */
  async stage(content: FileContent, size: number, what: string): Promise<Staged> {
    const one = knownHex(content, size)
    const known = one && this.locate(one)
    if (one && known) {
      await content.discard()
      return { hex: one, path: known, fresh: known === this.temps.get(one) }
    }
    const from = writableOf(content)
    if (from) return this.adopt(from, size, what, one)
    const temp = this.newTemp()
    const fd = openSync(temp, 'wx', 0o600)
    const h = one ? undefined : createHash('sha256')
    let written = 0
    try {
      for await (const b of content) {
        writeSync(fd, b, 0, b.length, written)
        h?.update(b)
        written += b.length
      }
      fchmodSync(fd, 0o444)
    } finally {
      closeSync(fd)
    }
    if (written !== size) throw new StoreError(Codes.LAYER_CORRUPT, `layer content of "${what}" has ${written} bytes, header says ${size}`)
    const hex = one ?? h!.digest('hex')
    const there = this.locate(hex)
    if (there) {
      rmSync(temp)
      return { hex, path: there, fresh: there === this.temps.get(hex) }
    }
    this.temps.set(hex, temp)
    return { hex, path: temp, fresh: true }
  }

  /**
   * A writable layer's file as a temp of this batch: its inode when it may be taken (hashed
   * first: the pool's name is always the SHA-256 of the bytes it names, and a one-chunk file's
   * must be its chunk's), else a clone or copy, hashed as copied. Read-only and owned by us,
   * as a written temp is.
   */
  private adopt(f: WritableFile, size: number, what: string, one: string | undefined): Staged {
    if (f.size !== size) throw new StoreError(Codes.TREE_CHANGED, `"${what}" has ${f.size} bytes in the writable layer, its layer says ${size}`, { data: { name: what } })
    const mismatch = (hex: string) => one !== undefined && hex !== one
    const changed = () => new StoreError(Codes.TREE_CHANGED, `"${what}" in the writable layer is not the layer's content`, { data: { name: what } })
    let hex: string
    let temp: string
    if (f.takable) {
      hex = f.sha256()
      if (mismatch(hex)) throw changed()
      const there = this.locate(hex)
      if (there) return { hex, path: there, fresh: there === this.temps.get(hex) }
      temp = this.newTemp()
      f.linkTo(temp)
      if (process.getuid?.() === 0) lchownSync(temp, 0, 0)
      chmodSync(temp, 0o444) // a regular file we just linked into our own temp dir: nothing to follow
    } else {
      temp = this.newTemp()
      copyFileSync(f.path, temp, COPY_FLAGS)
      chmodSync(temp, 0o444)
      hex = sha256Of(temp)
      f.check()
      if (mismatch(hex)) throw changed()
      const there = this.locate(hex)
      if (there) {
        rmSync(temp)
        return { hex, path: there, fresh: there === this.temps.get(hex) }
      }
    }
    this.temps.set(hex, temp)
    return { hex, path: temp, fresh: true }
  }

  private readonly claimed = new Set<string>()

  /** True the first time a temp of this batch is taken to become one pool name by itself. */
  claim(temp: string): boolean {
    if (this.claimed.has(temp)) return false
    this.claimed.add(temp)
    return true
  }

  /** A temp path for a file the caller writes itself (a hard-link form copy). */
  newTemp(): string {
    if (!this.dir) {
      this.dir = `${this.layout.poolDir}/.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
      mkdirSync(this.dir, { recursive: true })
    }
    return `${this.dir}/${this.n++}`
  }

  /** At commit, `name` becomes a pool name of the file at `from` (a temp of this batch or a pool file). */
  name(from: string, name: string): void {
    if (from === name || this.planned.has(name)) return
    this.planned.set(name, from)
    this.links.push([from, name])
  }

  /**
   * Durable, then named. Returns the names that turned out taken by OTHER content (another
   * process linked it first: only a short alias can, see layout.ts poolRedirect).
   */
  async commit(): Promise<Set<string>> {
    const clashes = new Set<string>()
    if (this.links.length > 0) {
      // Files of this batch, and the dirs their names go in. A few into dirs that exist (a
      // small build step's): an fsync each, where starting `sync -f` is a fork of this process
      // and syncs whatever else the file system holds dirty; else one syncfs each time.
      const shards = new Set(this.links.map(([, name]) => name.slice(0, name.lastIndexOf('/'))))
      const fresh = [...new Set(this.links.map(([from]) => from).filter((f) => this.dir && f.startsWith(`${this.dir}/`)))]
      const few = fresh.length + shards.size <= FEW_FSYNCS && [...shards].every((d) => existsSync(d))
      if (few) fresh.forEach(fsyncPath)
      else await syncFs(this.dir ?? this.layout.poolDir)
      const made = new Set<string>()
      for (const [from, name] of this.links) {
        const shard = name.slice(0, name.lastIndexOf('/'))
        if (!made.has(shard)) mkdirSync(shard, { recursive: true })
        made.add(shard)
        try {
          linkSync(from, name)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
          // The same content linked by another process is as good as ours; an alias of other
          // content is not. Full names and variants are named by their content: never a clash.
          if (isAlias(name) && ino(name) !== ino(from)) clashes.add(name)
        }
      }
      if (few) shards.forEach(fsyncPath)
      else await syncFs(this.layout.poolDir)
    }
    this.abort()
    return clashes
  }

  /** Drops the temp files (after commit, or when the build failed). */
  abort(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }
}

/** Files and dirs a commit fsyncs one by one rather than syncing the file system (see commit()). */
const FEW_FSYNCS = 8

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/**
 * The SHA-256 (hex) of a file's content when known without reading a chunk: an empty file's;
 * a one-chunk file's is its chunk's digest; an inline file's (at most 128 bytes, in the index)
 * is hashed here. Undefined when the chunks must be read.
 */
export function knownHex(content: FileContent, size: number): string | undefined {
  if (size === 0) return EMPTY
  if (content.inline) return content.refs.length === 0 && content.inline.length === size ? createHash('sha256').update(content.inline).digest('hex') : undefined
  return content.refs.length === 1 && content.refs[0][1] === size ? content.refs[0][0] : undefined
}

/** A file's content that a writable layer has (_sink.ts), or undefined. */
export function writableOf(content: FileContent): WritableFile | undefined {
  return (content as FileContent & { writable?: WritableFile }).writable
}

function sha256Of(path: string): string {
  const fd = openSync(path, 'r')
  try {
    return sha256Fd(fd).hex
  } finally {
    closeSync(fd)
  }
}

/** An alias is `<2 hex>/<20 hex>` (see layout.ts poolRedirect). */
const isAlias = (name: string) => /\/[0-9a-f]{2}\/[0-9a-f]{20}$/.test(name)
