// Chunk puts for layer import. The main thread hashes each chunk (native SHA-256, ~1.6 GB/s)
// and answers "already stored" itself with one stat: a re-import then never copies or posts a
// chunk. New chunks go to worker threads, which compress and write them synchronously: on the
// main thread each write cost ~0.4 ms of event-loop time in fs.promises bookkeeping alone (a
// 690 MB tree: 10k chunks, ~4 s), which made the main thread, not compression, the bottleneck.
//
// Durability is batched per layer (ChunkBatch): a new chunk is written to a temp file in
// ingest/ without an fsync of its own; commit() syncs the file system once (syncfs through
// `sync -f`), and only then links every temp file into blobs/. Why: one fsync per chunk was
// most of an import's time (ext4 commits its journal at each: a 690 MB tree, 10k chunks, 6.7 s
// of 17.8 s). What a blob in blobs/ means is unchanged: complete, and on disk before anything
// can refer to it, so "it exists" is still proof enough to skip writing it. A crash before
// commit leaves only temp files in ingest/, which prune removes.
// Same bytes on disk as put(): the codec's header (made here, on the main thread, by
// codec/header.ts: the worker only picks the packed or the raw one) and the codec's encoding
// with the codec's parameters. A failed write is reported as what it is (STORAGE_FULL for
// ENOSPC, IO_ERROR otherwise, with the errno and the path), never as a corrupt blob.

import { spawn } from 'node:child_process'
import { createHash, hash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { WorkerPool } from '../_workerPool.js'
import { BROTLI_QUALITY, BROTLI_WINDOW_BITS, DEFAULT_LEVEL, ZSTD_LEVEL, encodeHeader, type Encoding } from '../codec/index.js'
import type { Digest } from '../digest/digest.js'
import { ioError } from './_context.js'
import { DigestList } from './_digestList.js'
import type { PutResult } from './types.js'

const SOURCE = `
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const zlib = require('node:zlib')
const shards = new Set()
function compress(data, encoding) {
  if (encoding === 'raw' || data.length === 0) return null
  if (encoding === 'brotli') return zlib.brotliCompressSync(data, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: ${BROTLI_QUALITY}, [zlib.constants.BROTLI_PARAM_LGWIN]: ${BROTLI_WINDOW_BITS},
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } })
  if (encoding === 'deflate') return zlib.deflateRawSync(data, { level: ${DEFAULT_LEVEL} })
  if (encoding === 'zstd') return zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: ${ZSTD_LEVEL} } })
  throw new Error('chunk workers cannot write ' + encoding)
}
// Into blobs/: a link (an existing blob wins and is never touched), rename where links fail.
function link(tmp, blobs, hex) {
  const shard = blobs + '/' + hex.slice(0, 2)
  const target = shard + '/' + hex
  try {
    if (!shards.has(shard)) { fs.mkdirSync(shard, { recursive: true }); shards.add(shard) }
    try { fs.linkSync(tmp, target) } catch (e) {
      if (e.code === 'EEXIST') return
      if (e.code === 'EPERM' || e.code === 'ENOTSUP' || e.code === 'EOPNOTSUPP' || e.code === 'EMLINK') {
        if (!fs.existsSync(target)) fs.renameSync(tmp, target)
      } else throw e
    }
  } finally { try { fs.unlinkSync(tmp) } catch {} }
}
function put({ id, hex, data, heads, blobs, ingest, tag, encoding }) {
  const target = blobs + '/' + hex.slice(0, 2) + '/' + hex
  let st
  try { st = fs.statSync(target) } catch (e) { if (e.code !== 'ENOENT') throw e }
  if (st) return { id, hex, size: data.length, stored: st.size, existed: true }
  // Named by digest within the batch: a second copy of a chunk in the same layer finds it here.
  const tmp = ingest + '/' + hex + '.' + tag
  let fd
  try { fd = fs.openSync(tmp, 'wx', 0o644) } catch (e) {
    if (e.code === 'EEXIST') return { id, hex, size: data.length, stored: 0, existed: true }
    throw e
  }
  let stored = 0
  try {
    const c = compress(data, encoding)
    // heads: [packed, raw], 9 bytes each.
    const parts = c && c.length < data.length ? [heads.subarray(0, 9), c] : [heads.subarray(9), data]
    for (const p of parts) { let off = 0; while (off < p.length) off += fs.writeSync(fd, p, off, p.length - off); stored += p.length }
  } catch (e) { fs.closeSync(fd); try { fs.unlinkSync(tmp) } catch {} ; e.path = e.path || tmp; throw e }
  fs.closeSync(fd)
  return { id, hex, size: data.length, stored, existed: false, tmp }
}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'put') return parentPort.postMessage(put(m))
    if (m.op === 'link') { for (const [tmp, hex] of m.items) link(tmp, m.blobs, hex); return parentPort.postMessage({ id: m.id }) }
    if (m.op === 'fsync') { for (const f of m.files) { const fd = fs.openSync(f, 'r'); try { fs.fsyncSync(fd) } finally { fs.closeSync(fd) } } return parentPort.postMessage({ id: m.id }) }
    if (m.op === 'unlink') { for (const f of m.files) try { fs.unlinkSync(f) } catch {} ; return parentPort.postMessage({ id: m.id }) }
    throw new Error('unknown op ' + m.op)
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e), code: e && e.code, syscall: e && e.syscall, path: e && e.path })
  }
})
`

const pool = new WorkerPool(SOURCE)
// crypto.hash (Node >= 20.12) skips the Hash object: ~7 % faster on 64 KiB chunks.
const sha256hex: (data: Uint8Array) => string =
  typeof hash === 'function' ? (data) => hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data).digest('hex')
const processTag = `${process.pid}-${randomBytes(4).toString('hex')}`
let batches = 0

/** syncfs(2) of the file system holding `dir`, through coreutils' `sync -f`; false if unavailable. */
function syncfs(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('sync', ['-f', dir], { stdio: 'ignore' })
    p.on('error', () => resolve(false))
    p.on('exit', (code) => resolve(code === 0))
  })
}

/** Splits the digests of `list` into one job per worker-sized share, run in parallel. */
async function spread(list: DigestList, job: (part: string[]) => Promise<unknown>): Promise<void> {
  const per = 1024
  const parts: Promise<unknown>[] = []
  for (let i = 0; i < list.length; i += per) parts.push(job(list.slice(i, i + per)))
  await Promise.all(parts)
}

/** Digests remembered as put by a batch: past this many, the oldest half is forgotten. */
const SEEN_MAX = 1 << 16

/** New chunks of one layer: written as they come, made durable and visible together by commit(). */
export class ChunkBatch {
  private readonly tag = `${processTag}-${++batches}-b`
  /** Digests of the temp files written (ingest/<hex>.<tag>), not yet in blobs/. */
  private pending = new DigestList()
  /**
   * Digests put lately by this batch: a second copy of a chunk nearby in the layer is not sent
   * again. Bounded: a copy further away is sent, and its worker finds the temp file (EEXIST).
   */
  private seen = new Set<string>()
  private older = new Set<string>()

  constructor(
    private readonly blobsDir: string,
    private readonly ingestDir: string,
    private readonly encoding: Encoding,
  ) {}

  /** Put one chunk; `data` is copied if it is sent on (the caller keeps its buffer). `stored` is 0 when it existed. */
  async put(data: Uint8Array): Promise<PutResult> {
    const hex = sha256hex(data)
    const digest = `sha256:${hex}` as Digest
    if (this.seen.has(hex) || this.older.has(hex)) return { digest, size: data.length, stored: 0, existed: true }
    this.seen.add(hex)
    if (this.seen.size >= SEEN_MAX) {
      this.older = this.seen
      this.seen = new Set()
    }
    // Synchronous on purpose: one access(2), cheaper than the promise machinery around it (and
    // than a stat: the stored size of a blob that exists is not needed).
    if (existsSync(`${this.blobsDir}/${hex.slice(0, 2)}/${hex}`)) return { digest, size: data.length, stored: 0, existed: true }
    const own = new Uint8Array(data) // a copy of just this chunk, transferred (not cloned)
    const heads = new Uint8Array(18)
    encodeHeader(this.encoding, data.length, heads.subarray(0, 9))
    encodeHeader('raw', data.length, heads.subarray(9))
    try {
      const m = await pool.run<{ hex: string; size: number; stored: number; existed: boolean; tmp?: string }>(
        { op: 'put', hex, data: own, heads, blobs: this.blobsDir, ingest: this.ingestDir, tag: this.tag, encoding: this.encoding },
        [own.buffer],
      )
      if (m.tmp) this.pending.push(m.hex)
      return { digest: `sha256:${m.hex}` as Digest, size: m.size, stored: m.stored, existed: m.existed }
    } catch (e) {
      throw ioError(e, `${this.ingestDir}/${hex}.${this.tag}`)
    }
  }

  /** Every chunk put so far on disk, then in blobs/. Call after all puts have settled. */
  async commit(): Promise<void> {
    const items = this.pending
    this.pending = new DigestList()
    if (items.length === 0) return
    try {
      if (!(await syncfs(this.ingestDir))) await spread(items, (part) => pool.run({ op: 'fsync', files: part.map((hex) => this.tmp(hex)) }))
      await spread(items, (part) => pool.run({ op: 'link', items: part.map((hex) => [this.tmp(hex), hex]), blobs: this.blobsDir }))
      // The new names too, before a record that refers to them is written.
      if (!(await syncfs(this.blobsDir))) {
        const shards = new Set<string>()
        for (let i = 0; i < items.length; i += 1024) for (const hex of items.slice(i, i + 1024)) shards.add(`${this.blobsDir}/${hex.slice(0, 2)}`)
        await pool.run({ op: 'fsync', files: [...shards] })
      }
    } catch (e) {
      await this.discard(items)
      throw ioError(e, this.blobsDir)
    }
  }

  /** Removes the temp files of a batch that will not be committed. */
  async abort(): Promise<void> {
    const items = this.pending
    this.pending = new DigestList()
    await this.discard(items)
  }

  /** The temp file of a chunk of this batch (named so by the worker). */
  private tmp(hex: string): string {
    return `${this.ingestDir}/${hex}.${this.tag}`
  }

  private async discard(items: DigestList): Promise<void> {
    await spread(items, (part) => pool.run({ op: 'unlink', files: part.map((hex) => this.tmp(hex)) })).catch(() => {})
  }
}
