// A folder walk done by the read workers (_readWorker.ts) and consumed in walk order (children
// sorted by byte order, each dir followed by its subtree: what dirTar() writes). Dirs are
// listed and lstat'ed ahead of the consumer, a window of jobs at a time, smallest in walk
// order first, so the two cores list, lstat and order at once; memory is the window plus the
// names of the dirs on the current path, whatever the size of the tree.

import { closeSync } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import { YOUNG_AFTER, keepYoungGenerationSmall } from '../_heap.js'
import { META_FIELDS, readWorkers, type DirResult, type ReadWorkers, type StatResult } from './_readWorker.js'
import type { WorkerPools } from '../_workerPool.js'
import { WalkHeap } from './_walkOrder.js'
import type { StatLike } from './_treeHeader.js'

/** Names lstat'ed per job: a dir of a million names is listed once, then lstat'ed in slices. */
const SLICE = 2048
/** Listing jobs ahead of the consumer: a tree of many small dirs needs many (see ingestTree's AHEAD). */
export const WINDOW = 16

/** An open dir, closed once nothing reads through it any more. */
export class DirRef {
  private refs = 1
  constructor(readonly fd: number) {}
  hold(): void {
    this.refs++
  }
  release(): void {
    if (--this.refs === 0) closeSync(this.fd)
  }
}

export interface ScanEntry extends StatLike {
  /** Path relative to the root, without a trailing slash. */
  name: string
  /** The dir holding it, and its name there: read through /proc/self/fd/<fd>/<base>. */
  dir: DirRef
  base: string
  linkname: string
  /** Its fingerprint: 16 bytes of SHA-256 over the lstat (ns times, ctime, inode) and link target, at fps[fpAt…]. */
  fps: Uint8Array
  fpAt: number
}

export const isDirMode = (mode: number) => (mode & 0o170000) === 0o040000

interface Job<T> {
  key: string
  start: () => Promise<T>
  result?: Promise<T>
  taken?: boolean
  /** Frees what an unconsumed result holds. */
  dispose: (r: T) => void
}

/** Jobs started ahead of the consumer, at most `window` unconsumed, smallest key first. */
class Prefetch {
  private readonly heap = new WalkHeap<Job<any>>()
  private outstanding = new Set<Job<any>>()
  private closed = false
  /** Most jobs started and not yet taken, at any time. */
  peak = 0

  constructor(private readonly window: number) {}

  request<T>(job: Job<T>): Job<T> {
    if (this.closed) {
      job.dispose(undefined as never)
      return job
    }
    this.heap.push(job)
    this.pump()
    return job
  }

  /** The consumer's turn for `job`: started now if it was not yet. */
  take<T>(job: Job<T>): Promise<T> {
    if (!job.result) this.start(job)
    job.taken = true
    this.outstanding.delete(job)
    this.pump()
    return job.result!
  }

  close(): void {
    this.closed = true
    for (let j = this.heap.pop(); j; j = this.heap.pop()) if (!j.result) j.dispose(undefined as never)
    for (const j of this.outstanding) if (!j.taken) j.result!.then(j.dispose, () => {})
    this.outstanding.clear()
  }

  private start(job: Job<any>): void {
    job.result = job.start()
    job.result.catch(() => {}) // the consumer sees it when it takes the job
    this.outstanding.add(job)
    this.peak = Math.max(this.peak, this.outstanding.size)
  }

  private pump(): void {
    while (!this.closed && this.outstanding.size < this.window && this.heap.size > 0) {
      const j = this.heap.pop()!
      if (!j.result) this.start(j)
    }
  }
}

type Listed =
  | { fail: 'changed'; errno: string }
  | { fail: 'utf8'; bytes: string; text: string }
  | { fail?: undefined; dir: DirRef; names: string[]; slices: Job<Slice>[] }

/** One slice of a dir's names, lstat'ed, with the listings of its subdirs asked for. */
interface Slice {
  st: StatResult
  subdirs: Map<number, Job<Listed>>
}

/** The tree under `root` in walk order, as runs of entries of one dir (a run ends at a subdir). */
export class TreeScan implements AsyncIterable<ScanEntry[]> {
  private readonly prefetch = new Prefetch(WINDOW)
  private entries = 0

  private readonly workers: ReadWorkers

  /** `workers`: the open store's pools, whose read workers list and lstat. */
  constructor(private readonly root: string, workers: WorkerPools) {
    this.workers = readWorkers(workers)
  }

  /** Most dir and lstat jobs held ahead of the consumer at once. */
  get peakAhead(): number {
    return this.prefetch.peak
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ScanEntry[]> {
    try {
      yield* this.walk(this.dirJob(undefined, '', this.root), '')
    } finally {
      this.prefetch.close()
    }
  }

  /** Lists dir `name` of `parent` (the root by path); what arrives asks for its slices and subdirs at once. */
  private dirJob(parent: DirRef | undefined, rel: string, name: string): Job<Listed> {
    parent?.hold()
    const job: Job<Listed> = {
      key: rel,
      start: () => {
        const p = this.workers.dir(parent ? parent.fd : -1, name, SLICE)
        p.finally(() => parent?.release()).catch(() => {})
        return p.then((r) => this.listed(r, rel))
      },
      dispose: (l) => {
        if (!job.result) parent?.release()
        else if (l && !l.fail) l.dir.release()
      },
    }
    return this.prefetch.request(job)
  }

  private listed(r: DirResult, rel: string): Listed {
    if (r.fail === 'changed') return r
    if (r.fail === 'utf8') {
      closeSync(r.fd)
      return r
    }
    const dir = new DirRef(r.fd)
    const prefix = rel ? `${rel}/` : ''
    const names = r.names === '' ? [] : r.names.split('/')
    const slices: Job<Slice>[] = [{ key: rel, start: async () => this.slice(dir, prefix, names, 0, r), dispose: () => {} }]
    slices[0].result = slices[0].start()
    for (let at = SLICE; at < names.length; at += SLICE) {
      const part = names.slice(at, at + SLICE)
      dir.hold()
      const job: Job<Slice> = {
        key: prefix + part[0],
        start: () => {
          const p = this.workers.stat(dir.fd, part)
          p.finally(() => dir.release()).catch(() => {})
          return p.then((st) => this.slice(dir, prefix, names, at, st))
        },
        dispose: () => {
          if (!job.result) dir.release()
        },
      }
      slices.push(this.prefetch.request(job))
    }
    return { dir, names, slices }
  }

  private slice(dir: DirRef, prefix: string, names: string[], at: number, st: StatResult): Slice {
    const subdirs = new Map<number, Job<Listed>>()
    for (let i = 0; i < st.meta.length / META_FIELDS; i++) {
      if (isDirMode(st.meta[i * META_FIELDS])) subdirs.set(i, this.dirJob(dir, prefix + names[at + i], names[at + i]))
    }
    return { st, subdirs }
  }

  private async *walk(job: Job<Listed>, rel: string): AsyncGenerator<ScanEntry[]> {
    const l = await this.prefetch.take(job)
    if (l.fail === 'changed') {
      throw new StoreError(Codes.TREE_CHANGED, `"${rel}" stopped being a directory as we read it`, { data: { name: rel, errno: l.errno } })
    }
    if (l.fail === 'utf8') {
      const label = rel ? `${this.root}/${rel}` : this.root
      throw new StoreError(Codes.NAME_NOT_UTF8, `cannot read "${l.text}" in ${label}: its name is not valid UTF-8 (bytes ${l.bytes})`, {
        data: { bytes: l.bytes }, })
    }
    const { dir, names } = l
    const prefix = rel ? `${rel}/` : ''
    try {
      let run: ScanEntry[] = []
      for (let s = 0; s < l.slices.length; s++) {
        const { st, subdirs } = await this.prefetch.take(l.slices[s])
        const at = s * SLICE
        for (let i = 0; i < st.meta.length / META_FIELDS; i++) {
          const e = entry(dir, prefix, names[at + i], st, i)
          run.push(e)
          if (++this.entries === YOUNG_AFTER) keepYoungGenerationSmall() // a large tree's walk allocates per entry as ingest does
          const sub = subdirs.get(i)
          if (!sub) continue
          yield run
          run = []
          yield* this.walk(sub, e.name)
        }
      }
      if (run.length > 0) yield run
    } finally {
      dir.release()
    }
  }
}
function entry(dir: DirRef, prefix: string, base: string, st: StatResult, i: number): ScanEntry {
  const m = st.meta
  const o = i * META_FIELDS
  return {
    name: prefix + base, dir, base,
    mode: m[o], uid: m[o + 1], gid: m[o + 2], size: m[o + 3], mtime: m[o + 4], nlink: m[o + 5], dev: m[o + 6], ino: m[o + 7], rdev: m[o + 8],
    linkname: st.links[i] ?? '', fps: st.fps, fpAt: i * 16,
  }
}
