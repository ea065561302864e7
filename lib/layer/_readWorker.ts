// The file-system half of a folder import, in worker threads: listing and lstat of folders,
// reading files (whole or a range), and checking that bytes still hash to the chunks a file
// had at the last import. The main thread only orders the results and writes the layer: on a
// 100,000-file folder it spent 3.6 s of 12 s in lstat, open, read and close itself.
// Everything is reached through an open dir fd (/proc/self/fd/N/name, O_NOFOLLOW), as
// fsroot's DirFd does, so a dir swapped for a symlink mid-import fails instead of leading out.
// Fds are process-wide: a dir opened here is read by any worker and closed by the main thread.
// The same threads compress a layer's new chunks and encode its deltas (the codec's ops,
// lib/codec/_compressOps.ts, in batches from the chunk batch): their cores are free while the
// main thread cuts and hashes, and two more isolates for a compression pool would cost RSS.

import { WorkerPool, type WorkerPools } from '../_workerPool.js'
import { COMPRESS_OPS } from '../codec/index.js'

const SOURCE = `
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const { hash } = require('node:crypto')
const { isUtf8 } = require('node:buffer')
const C = fs.constants
const DIR = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW
const FILE = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK
const F = ${9}
const at = (fd, name) => '/proc/self/fd/' + fd + '/' + name
const fpBuf = new BigInt64Array(10)
${COMPRESS_OPS}

// Names as strings; a U+FFFD in one may stand for bytes that are not UTF-8: those are checked.
// Sorted by UTF-16 code units, which is byte order unless a name has a char past U+D7FF.
function names(fd) {
  const list = fs.readdirSync('/proc/self/fd/' + fd)
  let wide = false
  for (const n of list) {
    if (n.includes('\\uFFFD')) {
      for (const b of fs.readdirSync('/proc/self/fd/' + fd, { encoding: 'buffer' })) {
        if (!isUtf8(b)) return { fail: 'utf8', bytes: [...b].map((x) => x.toString(16).padStart(2, '0')).join(' '), text: b.toString() }
      }
    }
    if (!wide) for (let i = 0; i < n.length; i++) if (n.charCodeAt(i) >= 0xd800) { wide = true; break }
  }
  if (wide) list.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  else list.sort()
  return { list }
}

function dir(m) {
  let fd
  try { fd = fs.openSync(m.parent < 0 ? m.name : at(m.parent, m.name), DIR) } catch (e) {
    if (e.code === 'ELOOP' || e.code === 'ENOTDIR') return { id: m.id, fail: 'changed', errno: e.code }
    throw e
  }
  try {
    const n = names(fd)
    if (n.fail) return { id: m.id, fd, ...n }
    // One string for all names ('/' is in none): cloned far faster than an array of them.
    return { id: m.id, fd, names: n.list.join('/'), ...stat(fd, n.list.slice(0, m.first)) }
  } catch (e) { fs.closeSync(fd); throw e }
}

// meta per entry: mode uid gid size mtime(s) nlink dev ino rdev; fp: 16 bytes of SHA-256 over
// those with the times in ns and the link target; links: symlinks' targets, by index.
function stat(fd, names) {
  const meta = new Float64Array(names.length * F)
  const fps = new Uint8Array(names.length * 16)
  const links = {}
  for (let i = 0; i < names.length; i++) {
    const s = fs.lstatSync(at(fd, names[i]), { bigint: true })
    const mode = Number(s.mode)
    const link = (mode & 0o170000) === 0o120000 ? fs.readlinkSync(at(fd, names[i])) : ''
    if (link) links[i] = link
    const o = i * F
    // Whole seconds as fs.Stats' Math.floor(mtimeMs / 1000) gives them (nsec is never negative).
    let sec = s.mtimeNs / 1000000000n
    let nsec = s.mtimeNs % 1000000000n
    if (nsec < 0n) { sec -= 1n; nsec += 1000000000n }
    meta[o] = mode; meta[o + 1] = Number(s.uid); meta[o + 2] = Number(s.gid); meta[o + 3] = Number(s.size)
    meta[o + 4] = Math.floor((Number(sec) * 1e3 + Number(nsec) / 1e6) / 1000); meta[o + 5] = Number(s.nlink)
    meta[o + 6] = Number(s.dev); meta[o + 7] = Number(s.ino); meta[o + 8] = Number(s.rdev)
    fpBuf[0] = s.mode; fpBuf[1] = s.uid; fpBuf[2] = s.gid; fpBuf[3] = s.size; fpBuf[4] = s.mtimeNs
    fpBuf[5] = s.ctimeNs; fpBuf[6] = s.dev; fpBuf[7] = s.ino; fpBuf[8] = s.nlink; fpBuf[9] = s.rdev
    const key = link ? Buffer.concat([Buffer.from(fpBuf.buffer), Buffer.from(link)]) : new Uint8Array(fpBuf.buffer)
    fps.set(hash('sha256', key, 'buffer').subarray(0, 16), i * 16)
  }
  return { meta, fps, links }
}

// Reads of several files or ranges into one buffer. status per item: 0 ok, 1 changed since
// its lstat (not a regular file any more, another size, or it grew or shrank as we read),
// 2 read but not the bytes its chunks hold (the last import's; checked when 'expect' is given).
// A range that ends its file is read with one byte more: getting it means the file grew (a
// read past the end of a regular file returns what there is), without a read of its own.
function read(m) {
  const n = m.dirs.length
  let total = 0
  for (let i = 0; i < n; i++) total += m.lens[i]
  const out = new Uint8Array(total + 1)
  const status = new Uint8Array(n)
  const names = m.names.split('/')
  let pos = 0
  for (let i = 0; i < n; i++) {
    const off = m.offs[i], len = m.lens[i], size = m.sizes[i], last = off + len === size
    const end = pos + len
    let fd
    try { fd = fs.openSync(at(m.dirs[i], names[i]), FILE) } catch (e) {
      if (e.code !== 'ELOOP' && e.code !== 'ENOENT') throw e
      status[i] = 1; pos = end; continue
    }
    try {
      const st = fs.fstatSync(fd)
      if (!st.isFile() || st.size !== size) { status[i] = 1; pos = end; continue }
      const want = last ? len + 1 : len
      let got = 0
      while (got < want) {
        const k = fs.readSync(fd, out, pos + got, want - got, off + got)
        if (k === 0) break
        got += k
      }
      if (got !== len) status[i] = 1
      else if (m.expect && m.expect[i]) {
        let o = pos
        for (const [hex, size] of m.expect[i]) {
          if (hash('sha256', out.subarray(o, o + size), 'hex') !== hex) { status[i] = 2; break }
          o += size
        }
      }
    } finally { fs.closeSync(fd) }
    pos = end
  }
  return { id: m.id, buf: out.buffer, status }
}

parentPort.on('message', (m) => {
  try {
    if (m.op === 'dir') { const r = dir(m); return parentPort.postMessage(r, r.meta ? [r.meta.buffer, r.fps.buffer] : []) }
    if (m.op === 'stat') { const r = { id: m.id, ...stat(m.fd, m.names.split('/')) }; return parentPort.postMessage(r, [r.meta.buffer, r.fps.buffer]) }
    if (m.op === 'read') { const r = read(m); return parentPort.postMessage(r, [r.buf]) }
    const c = compressOp(m)
    if (!c) throw new Error('unknown op ' + m.op)
    parentPort.postMessage(c.msg, c.transfer)
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e), code: e && e.code, syscall: e && e.syscall, path: e && e.path })
  }
})
`

/** Numbers per entry in `meta`: mode uid gid size mtime nlink dev ino rdev. */
export const META_FIELDS = 9

export interface StatResult {
  meta: Float64Array
  fps: Uint8Array
  /** Symlink targets, by index in the slice. */
  links: Record<number, string>
}

export type DirResult =
  | ({ fd: number; names: string; fail?: undefined } & StatResult)
  | { fail: 'changed'; errno: string; fd?: undefined }
  | { fail: 'utf8'; fd: number; bytes: string; text: string }

/** One file, or a range of one, to read; `expect`: the chunks the range should hash to. */
export interface ReadItem {
  dir: number
  name: string
  size: number
  off: number
  len: number
  expect?: [hex: string, size: number][]
}

/** Per item: 0 read, 1 changed as we read it, 2 read but not the bytes of `expect`. The bytes of item i follow those of i-1. */
export interface ReadResult {
  buf: ArrayBuffer
  status: Uint8Array
}

export type ReadWorkers = ReturnType<typeof readWorkers>

/** The read workers of `workers` (the open store's pools). */
export const readWorkers = (workers: WorkerPools) => {
  // Fds a worker opens are closed by the main thread: Node must not track them as the worker's own.
  const pool = workers.get('read', () => new WorkerPool(SOURCE, undefined, { trackUnmanagedFds: false }))
  return {
    /** The pool itself: its workers also run the codec's compression ops (codec.encodeMany's `pool`). */
    pool,
    /** Opens `name` in dir fd `parent` (-1: `name` is a path), lists it and lstats the first `first` names. */
    dir: (parent: number, name: string, first: number) => pool.run<DirResult>({ op: 'dir', parent, name, first }),
    stat: (fd: number, names: string[]) => pool.run<StatResult>({ op: 'stat', fd, names: names.join('/') }),
    /** Items as parallel arrays (one message per job, cloned cheaply). */
    read: (items: ReadItem[]) => {
      const n = items.length
      const dirs = new Int32Array(n)
      const offs = new Float64Array(n)
      const lens = new Float64Array(n)
      const sizes = new Float64Array(n)
      let expect: (ReadItem['expect'] | 0)[] | undefined
      items.forEach((it, i) => {
        dirs[i] = it.dir
        offs[i] = it.off
        lens[i] = it.len
        sizes[i] = it.size
        if (it.expect) (expect ??= new Array(n).fill(0))[i] = it.expect
      })
      return pool.run<ReadResult>({ op: 'read', dirs, offs, lens, sizes, names: items.map((it) => it.name).join('/'), expect })
    },
  }
}
