// putChunk(): the whole put of one chunk — hash, existence check, compression, write, fsync,
// link — done synchronously in a worker thread. Layer import puts thousands of chunks; on the
// main thread each put cost ~0.4 ms of event-loop time in fs.promises bookkeeping alone (a
// 690 MB tree: 10k chunks, ~4 s), which made the main thread, not compression, the bottleneck.
// Here the main thread only copies the chunk into a transferable buffer and posts it.
// Same on-disk result as put(): temp file in ingest/, fsync, link into blobs/ (an existing
// blob is success and is never touched), same 9-byte header (raw 0, deflate 1, brotli 2).

import { WorkerPool } from '../_workerPool.js'
import { randomBytes } from 'node:crypto'
import { Codes, StoreError } from '../errors.js'
import type { Digest } from '../digest/digest.js'
import type { PutResult } from './types.js'

const SOURCE = `
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const zlib = require('node:zlib')
const { createHash } = require('node:crypto')
const shards = new Set()
function header(enc, size) {
  const h = Buffer.alloc(9)
  h[0] = enc
  h.writeUInt32LE(size >>> 0, 1)
  h.writeUInt32LE(Math.floor(size / 0x100000000), 5)
  return h
}
function compress(data, mode) {
  if (mode === 'raw' || data.length === 0) return null
  if (mode === 'brotli') return [2, zlib.brotliCompressSync(data, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_LGWIN]: 16,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } })]
  return [1, zlib.deflateRawSync(data, { level: 1 })]
}
parentPort.on('message', ({ id, data, blobs, ingest, tag, mode }) => {
  try {
    const hex = createHash('sha256').update(data).digest('hex')
    const shard = blobs + '/' + hex.slice(0, 2)
    const target = shard + '/' + hex
    let st
    try { st = fs.statSync(target) } catch (e) { if (e.code !== 'ENOENT') throw e }
    if (st) return parentPort.postMessage({ id, hex, size: data.length, stored: st.size, existed: true })
    const c = compress(data, mode)
    const parts = c && c[1].length < data.length ? [header(c[0], data.length), c[1]] : [header(0, data.length), data]
    const tmp = ingest + '/' + hex + '.' + tag + '-' + id
    const fd = fs.openSync(tmp, 'wx', 0o644)
    let stored = 0
    try {
      for (const p of parts) { let off = 0; while (off < p.length) off += fs.writeSync(fd, p, off, p.length - off); stored += p.length }
      fs.fsyncSync(fd)
    } finally { fs.closeSync(fd) }
    let existed = false
    try {
      if (!shards.has(shard)) { fs.mkdirSync(shard, { recursive: true }); shards.add(shard) }
      try { fs.linkSync(tmp, target) } catch (e) {
        if (e.code === 'EEXIST') existed = true
        else if (e.code === 'EPERM' || e.code === 'ENOTSUP' || e.code === 'EOPNOTSUPP' || e.code === 'EMLINK') {
          if (fs.existsSync(target)) existed = true; else fs.renameSync(tmp, target)
        } else throw e
      }
    } finally { try { fs.unlinkSync(tmp) } catch {} }
    if (existed) stored = fs.statSync(target).size
    parentPort.postMessage({ id, hex, size: data.length, stored, existed })
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e), code: e && e.code })
  }
})
`

const pool = new WorkerPool(SOURCE)
const tag = `${process.pid}-${randomBytes(4).toString('hex')}-w`

export type ChunkCompression = 'brotli' | 'deflate' | 'raw'

/** Put one chunk through a worker; `data` is copied (the caller keeps its buffer). */
export async function putChunkInWorker(blobsDir: string, ingestDir: string, data: Uint8Array, mode: ChunkCompression): Promise<PutResult> {
  const own = new Uint8Array(data) // a copy of just this chunk, transferred (not cloned)
  try {
    const m = await pool.run<{ hex: string; size: number; stored: number; existed: boolean }>({ data: own, blobs: blobsDir, ingest: ingestDir, tag, mode }, [own.buffer])
    return { digest: `sha256:${m.hex}` as Digest, size: m.size, stored: m.stored, existed: m.existed }
  } catch (e) {
    throw new StoreError(Codes.BLOB_CORRUPT, `cannot store chunk: ${(e as Error).message}`, { cause: e })
  }
}
