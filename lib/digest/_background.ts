// An incremental SHA-256 computed in a worker thread, for long streams whose bytes the main
// thread is busy with anyway (a layer's diffID while its files are chunked and hashed): the
// main thread only copies each piece into a segment and hands the full segment over (a
// transfer, not a copy; it comes back when hashed); hashing (~1.9 GB/s) happens beside it.
// Plain ArrayBuffers, not shared ones: V8 copies into a SharedArrayBuffer several times slower. On a 690 MB re-import this took
// one of the two SHA-256 passes (~350 ms) off the main thread.
// Pieces are hashed in the order given: one worker, messages handled in order.

import { createHash } from 'node:crypto'
import { WorkerPool, type WorkerPools } from '../_workerPool.js'
import type { Digest } from './digest.js'

const SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const states = new Map()
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      let h = states.get(m.key)
      if (!h) states.set(m.key, (h = createHash('sha256')))
      h.update(new Uint8Array(m.buf, 0, m.len))
      return parentPort.postMessage({ id: m.id, buf: m.buf }, [m.buf])
    }
    const h = states.get(m.key) || createHash('sha256')
    states.delete(m.key)
    parentPort.postMessage({ id: m.id, hex: h.digest('hex') })
  } catch (e) {
    states.delete(m.key)
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) })
  }
})
`

const SEGMENT = 2 << 20
const SEGMENTS = 4
let keys = 0

export interface BackgroundHasher {
  /** Adds `data` (copied). Returns a promise only when it must wait for a free segment. */
  update(data: Uint8Array): Promise<void> | undefined
  digest(): Promise<Digest>
}

/** A hasher on `workers`' one hashing thread (the store's pools). */
export function backgroundHasher(workers: WorkerPools): BackgroundHasher {
  const pool = workers.get('sha256', () => new WorkerPool(SOURCE, 1))
  const key = ++keys
  const free: Uint8Array[] = Array.from({ length: SEGMENTS }, () => new Uint8Array(SEGMENT))
  const waiting: (() => void)[] = []
  let seg: Uint8Array | undefined
  let fill = 0
  let failed: Error | undefined
  let posted = false

  const post = (s: Uint8Array, len: number) => {
    posted = true
    pool.run<{ buf: ArrayBuffer }>({ op: 'update', key, buf: s.buffer, len }, [s.buffer as ArrayBuffer]).then(
      (m) => {
        free.push(new Uint8Array(m.buf))
        waiting.shift()?.()
      },
      (e: Error) => {
        failed ??= e
        free.push(new Uint8Array(SEGMENT))
        waiting.shift()?.()
      },
    )
  }
  const take = async (): Promise<Uint8Array> => {
    while (free.length === 0) await new Promise<void>((r) => waiting.push(r))
    return free.pop()!
  }

  async function slow(data: Uint8Array, at: number): Promise<void> {
    while (at < data.length) {
      seg ??= await take()
      const n = Math.min(SEGMENT - fill, data.length - at)
      seg.set(data.subarray(at, at + n), fill)
      fill += n
      at += n
      if (fill === SEGMENT) {
        post(seg, fill)
        seg = undefined
        fill = 0
      }
    }
  }

  return {
    update(data) {
      if (failed) throw failed
      let at = 0
      // Fast path: room in the current segment, or a free one at hand.
      while (at < data.length) {
        if (!seg) {
          if (free.length === 0) return slow(data, at)
          seg = free.pop()!
        }
        const n = Math.min(SEGMENT - fill, data.length - at)
        seg.set(data.subarray(at, at + n), fill)
        fill += n
        at += n
        if (fill === SEGMENT) {
          post(seg, fill)
          seg = undefined
          fill = 0
        }
      }
      return undefined
    },
    async digest() {
      // Less than a segment in all (a small layer): hashed here, in well under a millisecond,
      // where starting the thread cost a small import ~40 ms of waiting.
      if (!posted) return `sha256:${createHash('sha256').update(seg ? seg.subarray(0, fill) : new Uint8Array(0)).digest('hex')}` as Digest
      if (seg && fill > 0) post(seg, fill)
      seg = undefined
      const m = await pool.run<{ hex: string }>({ op: 'end', key })
      if (failed) throw failed
      return `sha256:${m.hex}` as Digest
    },
  }
}
