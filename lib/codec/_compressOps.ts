// Worker-side compression of whole buffers, as source for the worker threads that run it: the
// codec's own pool (_pool.ts) and the layer module's read workers, which have the cores free
// while a folder import compresses (profiled: the read workers idle 6.0 of 6.4 s, the main
// thread 2.9 s in zstd). Defines compressOp(m), answering a message with what to post back
// and transfer, or undefined for an op it does not know. node:zlib's synchronous calls (their
// async form builds a stream and an encoder per call, which costs more than a chunk), and for
// zstd, which chunks are stored in, its native stream driven directly (zstdRun: no garbage).
//   zstd / brotli / deflate / gzip  one buffer (m.data) → {out}
//   many    several buffers back to back (m.buf, their lengths m.lens) → each stored as
//           _codec.ts's encode() writes it (9-byte header + payload of m.enc, or raw when that
//           is not smaller), back to back in one transferred buffer, with their lengths.
//           Where a buffer has a delta base (m.bases, lengths m.baseLens, 0 for none; m.heads:
//           the delta head of each, made by the caller), it is stored as a delta against it
//           when that is smaller (compared with the whole chunk only when compareWithWhole
//           says so), as delta/_zstdFrame.ts encodes and checks it. The message's buffers
//           come back with the answer, for the caller's next message (spare, below).

import { BROTLI_QUALITY, BROTLI_WINDOW_BITS, ZSTD_LEVEL, type ManyDelta } from './_codec.js'
import { ENCODING_BYTE } from './header.js'
import { bytesInto } from '../_bytes.js'
import { compareWithWhole } from './delta/planner.js'
import { DELTA_LEVEL } from './delta/types.js'
import { zstdPrefix } from './delta/_zstdFrame.js'

/** Bytes of zlib output (brotli, DEFLATE, gzip) between two full collections in a worker. */
const GC_EVERY = 1 << 20

/** What compressSync needs of node:zlib (passed in: this module imports nothing from node:). */
export interface SyncZlib {
  constants: { ZSTD_c_compressionLevel: number; BROTLI_PARAM_QUALITY: number; BROTLI_PARAM_LGWIN: number; BROTLI_PARAM_SIZE_HINT: number }
  zstdCompressSync(data: Uint8Array, o: object): Uint8Array
  brotliCompressSync(data: Uint8Array, o: object): Uint8Array
  gzipSync(data: Uint8Array, o: object): Uint8Array
  deflateRawSync(data: Uint8Array, o: object): Uint8Array
}

/** Each encoding's parameters as the codec writes it, on every thread. */
export const COMPRESS_PARAMS = { zstdLevel: ZSTD_LEVEL, brotliQuality: BROTLI_QUALITY, brotliWindowBits: BROTLI_WINDOW_BITS }

/**
 * One buffer compressed by node:zlib's sync calls as the codec writes `op` (gzip and DEFLATE at
 * `level`). Self-contained: the worker source takes it by its text, the calling thread calls it.
 */
export function compressSync(z: SyncZlib, op: string, data: Uint8Array, level: number, p: typeof COMPRESS_PARAMS): Uint8Array {
  const Z = z.constants
  if (op === 'zstd') return z.zstdCompressSync(data, { params: { [Z.ZSTD_c_compressionLevel]: p.zstdLevel } })
  if (op === 'brotli') {
    return z.brotliCompressSync(data, { params: { [Z.BROTLI_PARAM_QUALITY]: p.brotliQuality, [Z.BROTLI_PARAM_LGWIN]: p.brotliWindowBits, [Z.BROTLI_PARAM_SIZE_HINT]: data.length } })
  }
  if (op === 'gzip') return z.gzipSync(data, { level })
  if (op === 'deflate') return z.deflateRawSync(data, { level: Math.min(9, level) })
  throw new Error('unknown encoding ' + op)
}

export const COMPRESS_OPS = `
const compressZlib = require('node:zlib')
${compressSync.toString()}
const COMPRESS_PARAMS = ${JSON.stringify(COMPRESS_PARAMS)}
const compressOne = (op, data, level) => compressSync(compressZlib, op, data, level, COMPRESS_PARAMS)
const ENCODING_BYTE = ${JSON.stringify(ENCODING_BYTE)}
// The delta encoder and the rule for comparing with the whole chunk, as their own source (both
// are self-contained functions): one definition for both threads.
const zp = (${zstdPrefix.toString()})()
const compareWithWhole = ${compareWithWhole.toString()}
// Every output of zlib's sync calls is a fresh ArrayBuffer, freed only when V8 collects its
// Buffer; in a thread that runs little JS that waits for the external-memory trigger (~64 MiB
// of garbage per thread: a 692 MB import peaked 100 MB higher with two compressing workers).
// A full collection every MiB of such output frees them; a scavenge did not (380 against 293
// MB peak with one every 4 MiB; every MiB, 20-30 MB less). V8 exposes gc() to a context made
// after --expose-gc is set, which is done here on the first need, not when a pool starts: a
// flag changed at run time costs the next thread that starts ~30 ms (lib/_heap.ts), and
// zstd, the default, driven as below, makes no such garbage.
let garbageSinceGc = 0
let collect
function collectNow(bytes) {
  garbageSinceGc += bytes
  if (garbageSinceGc < ${GC_EVERY}) return
  garbageSinceGc = 0
  if (collect === undefined) {
    try {
      require('node:v8').setFlagsFromString('--expose-gc')
      collect = require('node:vm').runInNewContext('gc')
    } catch {
      collect = null
    }
  }
  if (collect) collect()
}
// zstd into the caller's buffer through native streams driven as node:zlib's own sync calls
// drive them (the handle's writeSync, then the state array [availOut, availIn]), where those
// build a Transform, a native context and output buffers per call: garbage that cost each
// worker a full GC per MiB (1.6 of its 4.9 s on /usr/lib; a full GC is ~4.5 ms however small
// the heap). Same bytes (spec). One stream is reused for whole chunks (reset() starts the next
// frame with the same parameters); a delta's needs its base as dictionary, so one per delta.
const ZC = compressZlib.constants
// Whether this Node's zlib streams have the internals used here; without them (a later Node
// that renamed them), zlib's public sync calls and a full GC per MiB, as before.
const driven = (() => {
  try {
    const e = compressZlib.createZstdCompress()
    const ok = typeof e._handle?.writeSync === 'function' && typeof e._handle.reset === 'function' && e._writeState instanceof Uint32Array
    e.close()
    return ok
  } catch {
    return false
  }
})()
// A failure destroys the stream at once (its error in \`errored\`) and emits 'error' a tick later:
// heard here so that it is not an uncaught one; the caller throws \`errored\` itself.
const quiet = (stream) => stream.on('error', () => {})
let zstdEngine
/** One frame of \`data\` into out[at, at + room): its length, or -1 when it does not fit. */
function zstdRun(engine, data, out, at, room) {
  engine._handle.writeSync(ZC.ZSTD_e_end, data, 0, data.length, out, at, room)
  if (engine.destroyed) throw engine.errored || new Error('zstd stream failed')
  const availOut = engine._writeState[0], availIn = engine._writeState[1]
  // Whole when every input byte is taken and room is left (a full buffer may hold part of it).
  return availIn === 0 && availOut > 0 ? room - availOut : -1
}
function zstdInto(data, out, at, room) {
  zstdEngine ??= quiet(compressZlib.createZstdCompress({ params: { [ZC.ZSTD_c_compressionLevel]: ${ZSTD_LEVEL} } }))
  try {
    return zstdRun(zstdEngine, data, out, at, room)
  } finally {
    if (zstdEngine.destroyed) zstdEngine = undefined
    else zstdEngine._handle.reset()
  }
}
// What the delta encoder (zp.encode) asks of node:zlib, answered into scratch buffers that the
// next call reuses (zp.encode reads each answer before its next call, and the caller copies
// the blocks out before the next delta): a delta leaves no garbage but its stream object.
let scratchC = new Uint8Array(0), scratchD = new Uint8Array(0), scratchF = new Uint8Array(0), unzstd
const grow = (b, n) => (b.length >= n ? b : new Uint8Array(Math.max(n, 2 * b.length)))
const deltaZlib = {
  constants: ZC,
  scratch: (n) => (scratchF = grow(scratchF, n)),
  zstdCompressSync(data, o) {
    scratchC = grow(scratchC, data.length + (data.length >> 7) + 1024) // past zstd's bound
    const engine = quiet(compressZlib.createZstdCompress({ ...o, chunkSize: 64 })) // its own out buffer is unused
    try {
      const n = zstdRun(engine, data, scratchC, 0, scratchC.length)
      if (n < 0) throw new Error('zstd frame larger than its bound')
      return scratchC.subarray(0, n)
    } finally {
      engine.close()
    }
  },
  zstdDecompressSync(frame, o) {
    scratchD = grow(scratchD, o.maxOutputLength)
    unzstd ??= quiet(compressZlib.createZstdDecompress({ chunkSize: 64 }))
    try {
      const n = zstdRun(unzstd, frame, scratchD, 0, o.maxOutputLength)
      return n < 0 ? scratchD.subarray(0, o.maxOutputLength) : scratchD.subarray(0, n) // too long: the caller's length check fails
    } finally {
      if (unzstd.destroyed) unzstd = undefined
      else unzstd._handle.reset()
    }
  },
}
/**
 * \`data\` as encode() stores it whole, at out[at]: m.enc's payload after the 9-byte header, or
 * raw when that is not smaller. Returns the blob's length (never more than 9 + data.length).
 */
function wholeInto(m, data, out, at) {
  let byte = 0
  let n = -1
  if (data.length > 0 && m.enc === 'zstd' && driven) n = zstdInto(data, out, at + 9, data.length)
  else if (data.length > 0) {
    const packed = compressOne(m.enc, data, m.level)
    collectNow(packed.length)
    if (packed.length < data.length) {
      out.set(packed, at + 9)
      n = packed.length
    }
  }
  if (n >= 0) byte = ENCODING_BYTE[m.enc]
  else {
    out.set(data, at + 9)
    n = data.length
  }
  out[at] = byte
  const view = new DataView(out.buffer, out.byteOffset)
  view.setUint32(at + 1, data.length >>> 0, true)
  view.setUint32(at + 5, Math.floor(data.length / 0x100000000), true)
  return 9 + n
}
function compressOp(m) {
  if (m.op === 'many') {
    const input = new Uint8Array(m.buf)
    const n = m.lens.length
    const lens = new Uint32Array(n)
    const bases = m.bases ? new Uint8Array(m.bases) : undefined
    const heads = m.heads ? new Uint8Array(m.heads) : undefined
    // Into the buffer the caller sent (room for every blob raw, which no blob exceeds):
    // allocated by the caller's thread, its memory goes back to that thread's malloc arena,
    // not this one's (two compressing workers' arenas grew by ~32 MiB each when they
    // allocated the answers).
    const out = m.out ? new Uint8Array(m.out) : new Uint8Array(input.length + 9 * n)
    let pos = 0
    for (let i = 0, at = 0, baseAt = 0, headAt = 0; i < n; i++) {
      const data = input.subarray(at, at + m.lens[i])
      at += m.lens[i]
      const baseLen = m.baseLens ? m.baseLens[i] : 0
      let len = -1
      if (baseLen > 0) {
        const base = bases.subarray(baseAt, baseAt + baseLen)
        const head = heads.subarray(headAt, headAt + m.headSize)
        baseAt += baseLen
        headAt += m.headSize
        const blocks = zp.encode(driven ? deltaZlib : compressZlib, data, base, ${DELTA_LEVEL})
        if (!driven) collectNow(2 * (base.length + data.length))
        if (blocks) {
          const size = head.length + blocks.length
          const whole = compareWithWhole(size, data.length) ? wholeInto(m, data, out, pos) : -1
          if (whole >= 0 && whole <= size) len = whole // the delta is kept only when smaller
          else {
            out.set(head, pos)
            out.set(blocks, pos + head.length)
            len = size
          }
        }
      }
      if (len < 0) len = wholeInto(m, data, out, pos)
      lens[i] = len
      pos += len
    }
    // The message's own buffers go back to the caller for its next messages (see spare).
    const inputs = m.bases ? [m.buf, m.bases] : [m.buf]
    return { msg: { id: m.id, buf: out.buffer, lens, inputs }, transfer: [out.buffer, ...inputs] }
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
 * Message buffers the workers gave back, for the next messages. Transferred and dropped there,
 * each was garbage in a thread that runs little JS, freed by a full GC (~4.5 ms each, however
 * small the heap: one per 16 MiB of input made /usr/lib's import 0.7 s slower) or by V8's
 * external-memory trigger, tens of MiB later.
 */
const spare: ArrayBuffer[] = []
const SPARE_MAX = 4
const SPARE_SIZE = 1 << 20

/** `parts` back to back in a buffer of the caller's own (a spare one when one is large enough). */
function joined(parts: readonly Uint8Array[]): ArrayBuffer {
  let n = 0
  for (const p of parts) n += p.length
  const i = spare.findIndex((b) => b.byteLength >= n)
  const buf = i >= 0 ? spare.splice(i, 1)[0] : new ArrayBuffer(Math.max(n, SPARE_SIZE))
  bytesInto(parts, new Uint8Array(buf))
  return buf
}

/**
 * A `many` message for `datas` (copied into one buffer, which is transferred, as is the buffer
 * for the answer: room for every blob stored raw, which a delta never exceeds: it is kept only
 * when smaller than the whole blob, or under a quarter of the chunk) and its transfer list.
 * `deltas[i]`: the base to try datas[i] against (all heads are one length).
 */
export function manyMessage(enc: string, level: number, datas: readonly Uint8Array[], deltas?: readonly (ManyDelta | undefined)[]): { msg: Record<string, unknown>; transfer: ArrayBuffer[] } {
  const lens = Uint32Array.from(datas, (d) => d.length)
  const buf = joined(datas) // the worker reads it by lens (it may be longer)
  let total = 0
  for (const d of datas) total += d.length
  const out = new ArrayBuffer(total + 9 * datas.length)
  const msg: Record<string, unknown> = { op: 'many', enc, level, buf, lens, out }
  const transfer = [buf, out]
  const tried = (d: ManyDelta | undefined): d is ManyDelta => d !== undefined && d.base.length > 0 // 0: "none", to the worker
  const withBase = deltas?.filter(tried) ?? []
  if (withBase.length > 0) {
    const heads = new Uint8Array(withBase.length * withBase[0].head.length) // small: a buffer of its own
    bytesInto(withBase.map((d) => d.head), heads)
    msg.bases = joined(withBase.map((d) => d.base))
    msg.heads = heads.buffer
    msg.headSize = withBase[0].head.length
    msg.baseLens = Uint32Array.from(datas, (_, i) => (tried(deltas![i]) ? deltas![i]!.base.length : 0))
    transfer.push(msg.bases as ArrayBuffer, msg.heads as ArrayBuffer)
  }
  return { msg, transfer }
}

/** The stored blobs of a `many` answer: views into its one buffer. Its message's buffers become spares. */
export function manyResult(r: { buf: ArrayBuffer; lens: Uint32Array; inputs?: ArrayBuffer[] }): Uint8Array[] {
  for (const b of r.inputs ?? []) if (spare.length < SPARE_MAX && b.byteLength >= SPARE_SIZE) spare.push(b)
  const out: Uint8Array[] = []
  let at = 0
  for (const n of r.lens) {
    out.push(new Uint8Array(r.buf, at, n))
    at += n
  }
  return out
}
