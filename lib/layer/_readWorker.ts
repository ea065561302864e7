// The file-system half of a folder import, in worker threads: listing and lstat of folders,
// reading files (whole or a range), and checking that bytes still hash to the chunks a file
// had at the last import. The main thread only orders the results and writes the layer: on a
// 100,000-file folder it spent 3.6 s of 12 s in lstat, open, read and close itself.
// Everything is reached through an open dir fd (/proc/self/fd/N/name, O_NOFOLLOW), as
// fsroot's DirFd does, so a dir swapped for a symlink mid-import fails instead of leading out.
// Fds are process-wide: a dir opened here is read by any worker and closed by the main thread.

import { WorkerPool } from '../_workerPool.js'

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

function dir(m) {
  let fd
  try { fd = fs.openSync(m.parent < 0 ? m.name : at(m.parent, m.name), DIR) } catch (e) {
    if (e.code === 'ELOOP' || e.code === 'ENOTDIR') return { id: m.id, fail: 'changed', errno: e.code }
    throw e
  }
  try {
    const raw = fs.readdirSync('/proc/self/fd/' + fd, { encoding: 'buffer' })
    for (const b of raw) if (!isUtf8(b)) return { id: m.id, fd, fail: 'utf8', bytes: [...b].map((x) => x.toString(16).padStart(2, '0')).join(' '), text: b.toString() }
    raw.sort(Buffer.compare)
    const names = raw.map((b) => b.toString())
    return { id: m.id, fd, names, ...stat(fd, names.slice(0, m.first)) }
  } catch (e) { fs.closeSync(fd); throw e }
}

// meta per entry: mode uid gid size mtime(s) nlink dev ino rdev; fp: 16 bytes of SHA-256 over
// those with the times in ns and the link target; links: a symlink's target, else ''.
function stat(fd, names) {
  const meta = new Float64Array(names.length * F)
  const fps = new Uint8Array(names.length * 16)
  const links = []
  for (let i = 0; i < names.length; i++) {
    const s = fs.lstatSync(at(fd, names[i]), { bigint: true })
    const mode = Number(s.mode)
    const link = (mode & 0o170000) === 0o120000 ? fs.readlinkSync(at(fd, names[i])) : ''
    links.push(link)
    const o = i * F
    meta[o] = mode; meta[o + 1] = Number(s.uid); meta[o + 2] = Number(s.gid); meta[o + 3] = Number(s.size)
    meta[o + 4] = Number(s.mtimeNs / 1000000000n); meta[o + 5] = Number(s.nlink); meta[o + 6] = Number(s.dev)
    meta[o + 7] = Number(s.ino); meta[o + 8] = Number(s.rdev)
    fpBuf[0] = s.mode; fpBuf[1] = s.uid; fpBuf[2] = s.gid; fpBuf[3] = s.size; fpBuf[4] = s.mtimeNs
    fpBuf[5] = s.ctimeNs; fpBuf[6] = s.dev; fpBuf[7] = s.ino; fpBuf[8] = s.nlink; fpBuf[9] = s.rdev
    const key = link ? Buffer.concat([Buffer.from(fpBuf.buffer), Buffer.from(link)]) : new Uint8Array(fpBuf.buffer)
    fps.set(hash('sha256', key, 'buffer').subarray(0, 16), i * 16)
  }
  return { meta, fps, links }
}

// Reads of several files or ranges into one buffer. status per file: 0 ok, 1 changed since
// its lstat (not a regular file any more, another size, or it grew or shrank as we read),
// 2 read but not the bytes its chunks hold (the last import's; checked when 'expect' is given).
function read(m) {
  let total = 0
  for (const f of m.files) total += f.len
  const out = new Uint8Array(total)
  const status = new Uint8Array(m.files.length)
  let pos = 0
  m.files.forEach((f, i) => {
    const end = pos + f.len
    let fd
    try { fd = fs.openSync(at(f.dir, f.name), FILE) } catch (e) {
      if (e.code !== 'ELOOP' && e.code !== 'ENOENT') throw e
      status[i] = 1; pos = end; return
    }
    try {
      const st = fs.fstatSync(fd)
      if (!st.isFile() || st.size !== f.size) { status[i] = 1; pos = end; return }
      let got = 0
      while (got < f.len) {
        const n = fs.readSync(fd, out, pos + got, f.len - got, f.off + got)
        if (n === 0) break
        got += n
      }
      if (got < f.len) status[i] = 1
      else if (f.last && fs.readSync(fd, Buffer.alloc(1), 0, 1, f.size) !== 0) status[i] = 1
      else if (f.expect) {
        let o = pos
        for (const [hex, size] of f.expect) {
          if (hash('sha256', out.subarray(o, o + size), 'hex') !== hex) { status[i] = 2; break }
          o += size
        }
      }
    } finally { fs.closeSync(fd) }
    pos = end
  })
  return { id: m.id, buf: out.buffer, status }
}

parentPort.on('message', (m) => {
  try {
    if (m.op === 'dir') { const r = dir(m); return parentPort.postMessage(r, r.meta ? [r.meta.buffer, r.fps.buffer] : []) }
    if (m.op === 'stat') { const r = { id: m.id, ...stat(m.fd, m.names) }; return parentPort.postMessage(r, [r.meta.buffer, r.fps.buffer]) }
    if (m.op === 'read') { const r = read(m); return parentPort.postMessage(r, [r.buf]) }
    throw new Error('unknown op ' + m.op)
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
  links: string[]
}

export type DirResult =
  | ({ fd: number; names: string[]; fail?: undefined } & StatResult)
  | { fail: 'changed'; errno: string; fd?: undefined }
  | { fail: 'utf8'; fd: number; bytes: string; text: string }

/** One file, or a range of one, to read; `expect`: the chunks the range should hash to. */
export interface ReadItem {
  dir: number
  name: string
  size: number
  off: number
  len: number
  /** The range ends the file: check that nothing follows. */
  last: boolean
  expect?: [hex: string, size: number][]
}

/** Per item: 0 read, 1 changed as we read it, 2 read but not the bytes of `expect`. */
export interface ReadResult {
  buf: ArrayBuffer
  status: Uint8Array
}

// Fds a worker opens are closed by the main thread: Node must not track them as the worker's own.
const pool = new WorkerPool(SOURCE, undefined, { trackUnmanagedFds: false })

export const readWorkers = {
  /** Opens `name` in dir fd `parent` (-1: `name` is a path), lists it and lstats the first `first` names. */
  dir: (parent: number, name: string, first: number) => pool.run<DirResult>({ op: 'dir', parent, name, first }),
  stat: (fd: number, names: string[]) => pool.run<StatResult>({ op: 'stat', fd, names }),
  read: (files: ReadItem[]) => pool.run<ReadResult>({ op: 'read', files }),
}
