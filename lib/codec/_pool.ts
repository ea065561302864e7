// Compression of whole buffers with zlib's synchronous calls: one blob (encode) up to SMALL bytes
// on the calling thread, a larger one in a worker thread; many (encodeMany: a layer's new chunks
// and index segments) in one message to a worker.
// Why not node:zlib's async API: each async call builds a stream object and a fresh encoder
// state; for 64 KiB chunks that overhead costs 2–5x the compression itself (measured: DEFLATE
// level 1, 32 in flight, 2.6 s of CPU for 64 MB vs 0.8 s synchronous). Workers keep one
// event loop each and call the sync API: the main thread only posts messages.
// Workers are unref'd while idle so they never keep a finished command alive.

import * as zlib from 'node:zlib'
import { WorkerPool, type WorkerPools } from '../_workerPool.js'
import type { ManyDelta } from './_codec.js'
import { COMPRESS_OPS, COMPRESS_PARAMS, compressSync, manyMessage, manyResult } from './_compressOps.js'

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
${COMPRESS_OPS}
parentPort.on('message', (m) => {
  try {
    const r = compressOp(m)
    if (!r) throw new Error('unknown op ' + m.op)
    parentPort.postMessage(r.msg, r.transfer)
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) })
  }
})
`

// A blob put alone up to a MiB is compressed here, rather than starting the pool for it (two
// more V8 isolates: /usr/share's import peaked at 358 MB against 388 MB with index segments
// sent to it, one run each), and a MiB at level 3 is ~3 ms. An import's chunks and segments go
// through encodeMany, to the read workers it already has.
const SMALL = 1 << 20

const compressHere = (op: 'brotli' | 'deflate' | 'zstd', data: Uint8Array, level: number): Uint8Array => compressSync(zlib, op, data, level, COMPRESS_PARAMS)

/**
 * Compress on the least busy worker. `data` is copied once into a buffer of its own, which is
 * transferred: structured clone of a view would copy its WHOLE underlying buffer (chunks are
 * views into 1 MiB read buffers: that was 2.3 s of a 690 MB import, and most of its GC).
 */
export async function compressInWorker(workers: WorkerPools, op: 'brotli' | 'deflate' | 'zstd', data: Uint8Array, level = 1): Promise<Uint8Array> {
  // A blob up to SMALL compresses here, rather than starting the pool for it (see SMALL).
  if (data.length <= SMALL) return compressHere(op, data, level)
  const own = new Uint8Array(data) // a copy (Buffer#slice would share memory)
  const pool = workers.get('compress', () => new WorkerPool(WORKER_SOURCE))
  return (await pool.run<{ out: Uint8Array }>({ op, data: own, level }, [own.buffer])).out
}

/**
 * Several blobs stored as encode() stores each (header + payload, raw where compression does
 * not pay), in one message to `pool` (a pool whose workers run COMPRESS_OPS: the codec's own by
 * default). One copy of the inputs into the message's buffer; the results are views into the
 * answer's buffer. A message per 64 KiB chunk cost the main thread more than batching them.
 */
export async function encodeManyInWorker(
  workers: WorkerPools,
  enc: 'brotli' | 'deflate' | 'zstd',
  datas: readonly Uint8Array[],
  level: number,
  pool?: WorkerPool,
  deltas?: readonly (ManyDelta | undefined)[],
): Promise<Uint8Array[]> {
  const { msg, transfer } = manyMessage(enc, level, datas, deltas)
  const p = pool ?? workers.get('compress', () => new WorkerPool(WORKER_SOURCE))
  return manyResult(await p.run<{ buf: ArrayBuffer; lens: Uint32Array }>(msg, transfer))
}

/** One gzip member of `data`: a small one here (a worker round trip costs more than it), else on a worker. */
export async function gzipMember(workers: WorkerPools, data: Uint8Array, level = 1): Promise<Uint8Array> {
  if (data.length <= GZIP_HERE) return zlib.gzipSync(data, { level })
  const own = new Uint8Array(data)
  const pool = workers.get('compress', () => new WorkerPool(WORKER_SOURCE))
  return (await pool.run<{ out: Uint8Array }>({ op: 'gzip', data: own, level }, [own.buffer])).out
}

/** Members up to this size are compressed on the calling thread (tar headers, small files' runs). */
const GZIP_HERE = 16 << 10
