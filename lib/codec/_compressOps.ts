// Worker-side compression of whole buffers, as source for the worker threads that run it: the
// codec's own pool (_pool.ts) and the layer module's read workers, which have the cores free
// while a folder import compresses (profiled: the read workers idle 6.0 of 6.4 s, the main
// thread 2.9 s in zstd). Defines compressOp(m), answering a message with what to post back
// and transfer, or undefined for an op it does not know. Only node:zlib's synchronous calls:
// their async form builds a stream and an encoder per call, which costs more than a chunk.
//   zstd / brotli / deflate / gzip  one buffer (m.data) → {out}
//   many    several buffers back to back (m.buf, their lengths m.lens) → each stored as
//           _codec.ts's encode() writes it (9-byte header + payload of m.enc, or raw when that
//           is not smaller), back to back in one transferred buffer, with their lengths.

import { BROTLI_QUALITY, BROTLI_WINDOW_BITS, ZSTD_LEVEL } from './_codec.js'
import { ENCODING_BYTE } from './header.js'
import { concatBytes } from '../_bytes.js'

/** Bytes compressed between two full collections in a worker (~1 ms each, on a small heap). */
const GC_EVERY = 1 << 20

export const COMPRESS_OPS = `
const compressZlib = require('node:zlib')
function compressOne(op, data, level) {
  const Z = compressZlib.constants
  if (op === 'zstd') return compressZlib.zstdCompressSync(data, { params: { [Z.ZSTD_c_compressionLevel]: ${ZSTD_LEVEL} } })
  if (op === 'brotli') return compressZlib.brotliCompressSync(data, { params: {
    [Z.BROTLI_PARAM_QUALITY]: ${BROTLI_QUALITY}, [Z.BROTLI_PARAM_LGWIN]: ${BROTLI_WINDOW_BITS}, [Z.BROTLI_PARAM_SIZE_HINT]: data.length } })
  if (op === 'gzip') return compressZlib.gzipSync(data, { level })
  if (op === 'deflate') return compressZlib.deflateRawSync(data, { level: Math.min(9, level) })
  throw new Error('unknown encoding ' + op)
}
const ENCODING_BYTE = ${JSON.stringify(ENCODING_BYTE)}
// Every output of zlib's sync calls is a fresh ArrayBuffer, freed only when V8 collects its
// Buffer; in a thread that runs little JS that waits for the external-memory trigger (~64 MiB
// of garbage per thread: a 692 MB import peaked 100 MB higher with two compressing workers).
// A full collection every MiB compressed frees them (gc is exposed: lib/_workerPool.ts); a
// scavenge did not (380 against 293 MB peak with one every 4 MiB; every MiB, 20-30 MB less).
let compressedSinceGc = 0
function collectNow(bytes) {
  compressedSinceGc += bytes
  if (compressedSinceGc < ${GC_EVERY} || typeof gc !== 'function') return
  compressedSinceGc = 0
  gc()
}
function compressOp(m) {
  if (m.op === 'many') {
    const input = new Uint8Array(m.buf)
    const n = m.lens.length
    const parts = new Array(n)
    const lens = new Uint32Array(n)
    let total = 0
    for (let i = 0, at = 0; i < n; i++) {
      const data = input.subarray(at, at + m.lens[i])
      at += m.lens[i]
      const packed = data.length > 0 ? compressOne(m.enc, data, m.level) : undefined
      parts[i] = packed && packed.length < data.length ? { byte: ENCODING_BYTE[m.enc], payload: packed, size: data.length } : { byte: 0, payload: data, size: data.length }
      lens[i] = 9 + parts[i].payload.length
      total += lens[i]
    }
    // Into the buffer the caller sent (room for every blob raw): allocated by the caller's
    // thread, its memory goes back to that thread's malloc arena, not this one's (two
    // compressing workers' arenas grew by ~32 MiB each when they allocated the answers).
    const out = m.out && m.out.byteLength >= total ? new Uint8Array(m.out) : new Uint8Array(total)
    const view = new DataView(out.buffer)
    let pos = 0
    for (const p of parts) {
      out[pos] = p.byte
      view.setUint32(pos + 1, p.size >>> 0, true)
      view.setUint32(pos + 5, Math.floor(p.size / 0x100000000), true)
      out.set(p.payload, pos + 9)
      pos += 9 + p.payload.length
    }
    collectNow(total)
    return { msg: { id: m.id, buf: out.buffer, lens }, transfer: [out.buffer] }
  }
  if (m.op === 'zstd' || m.op === 'brotli' || m.op === 'gzip' || m.op === 'deflate') {
    const out = compressOne(m.op, m.data, m.level)
    const copy = new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength))
    return { msg: { id: m.id, out: copy }, transfer: [copy.buffer] }
  }
  return undefined
}
`

/**
 * A `many` message for `datas` (copied into one buffer, which is transferred, as is the buffer
 * for the answer: room for every blob stored raw) and its transfer list.
 */
export function manyMessage(enc: string, level: number, datas: readonly Uint8Array[]): { msg: Record<string, unknown>; transfer: ArrayBuffer[] } {
  const lens = Uint32Array.from(datas, (d) => d.length)
  // A copy of its own, to transfer (concatBytes gives a lone part back as it is).
  const buf = datas.length === 1 ? new Uint8Array(datas[0]) : concatBytes(datas)
  const out = new ArrayBuffer(buf.length + 9 * datas.length)
  return { msg: { op: 'many', enc, level, buf: buf.buffer, lens, out }, transfer: [buf.buffer as ArrayBuffer, out] }
}

/** The stored blobs of a `many` answer: views into its one buffer. */
export function manyResult(r: { buf: ArrayBuffer; lens: Uint32Array }): Uint8Array[] {
  const out: Uint8Array[] = []
  let at = 0
  for (const n of r.lens) {
    out.push(new Uint8Array(r.buf, at, n))
    at += n
  }
  return out
}
