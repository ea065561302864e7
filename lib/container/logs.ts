// `store logs [-f] [-t] [--tail N] [--since T] [--until T]`: a container's output, kept in
// containers/<id>/container.log with its index (runtime/logFile.ts: each line's stream and
// time). Each piece comes back with its stream, so stdout and stderr stay apart as in Docker;
// `timestamps` puts Docker's RFC 3339 time (nine digits) before each line. `tail` is the last N
// lines, read from the end of the index (the log is never read whole). A log written before the
// index existed reads as it did then: all of it as stdout, with no times.

import { open, type FileHandle } from 'node:fs/promises'
import type { Store } from '../store.js'
import { decodeRecords, indexPath, RECORD, type LogRecord, type LogStream } from '../runtime/logFile.js'
import { logPath } from './records.js'
import { currentState } from './state.js'
import type { ContainerRecord } from './types.js'

export interface LogOptions {
  /** Keep reading while the container runs (`-f`). */
  follow?: boolean
  /** Only the last N lines (`--tail`). */
  tail?: number
  /** Only lines written at or after this time (microseconds since the epoch; `--since`). */
  since?: number
  /** Only lines written at or before this time (microseconds; `--until`). */
  until?: number
  /** Each line starts with its time, as `logs -t` prints it. */
  timestamps?: boolean
}

export interface LogChunk {
  stream: LogStream
  data: Uint8Array
}

const WINDOW = 1 << 16
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Docker's `-t` time: RFC 3339 with nine fractional digits, UTC (ours has microseconds). */
export function logTime(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}000Z`
}

export async function* containerLogs(store: Store, rec: ContainerRecord, o: LogOptions = {}): AsyncGenerator<LogChunk> {
  const path = logPath(store, rec.id)
  const fh = await open(path, 'r').catch(() => undefined)
  if (!fh) return
  const idx = await open(indexPath(path), 'r').catch(() => undefined)
  try {
    if (idx) yield* indexed(store, rec, fh, idx, o)
    else yield* unindexed(store, rec, fh, o)
  } finally {
    await fh.close()
    await idx?.close()
  }
}

const running = async (store: Store, rec: ContainerRecord) => (await currentState(store, rec.id)).status === 'running'

async function* indexed(store: Store, rec: ContainerRecord, log: FileHandle, idx: FileHandle, o: LogOptions): AsyncGenerator<LogChunk> {
  const recBuf = Buffer.alloc(WINDOW - (WINDOW % RECORD))
  const data = Buffer.alloc(WINDOW)
  let next = 0 // the next record to read
  if (o.tail !== undefined) next = Math.max(0, Math.floor((await idx.stat()).size / RECORD) - Math.max(0, o.tail))
  let pending: LogRecord[] = []
  let cur: LogRecord | undefined // the record whose bytes are being emitted
  let pos = 0 // the next byte of the log to emit (within cur)
  let stopped = false // an --until passed: nothing later is shown
  for (;;) {
    // Records are on disk before their bytes: one read of each, records first.
    const { bytesRead } = await idx.read(recBuf, 0, recBuf.length, next * RECORD)
    const got = Math.floor(bytesRead / RECORD)
    if (got > 0) {
      pending.push(...decodeRecords(recBuf, got))
      next += got
    }
    const size = (await log.stat()).size
    let progressed = got > 0
    while (!stopped) {
      if (!cur || pos >= (pending[0]?.offset ?? Infinity)) {
        const r = pending.shift()
        if (!r) break
        cur = r
        pos = r.offset
        // Both ends are inclusive, as Docker's (a time -t printed names its own line).
        if (o.until !== undefined && r.us > o.until) {
          stopped = true
          break
        }
        if (o.timestamps && (o.since === undefined || r.us >= o.since)) yield { stream: r.stream, data: Buffer.from(`${logTime(r.us)} `) }
      }
      const end = Math.min(pending[0]?.offset ?? size, size)
      if (pos >= end) break
      const n = Math.min(end - pos, data.length)
      const { bytesRead: b } = await log.read(data, 0, n, pos)
      if (b === 0) break
      pos += b
      progressed = true
      if (o.since === undefined || cur.us >= o.since) yield { stream: cur.stream, data: Buffer.from(data.subarray(0, b)) }
    }
    if (stopped || !o.follow) return
    // Following ends at --until, as Docker's does, even while the container runs on.
    if (o.until !== undefined && Date.now() * 1000 > o.until) return
    if (!progressed) {
      // Caught up: the container's end (and what it wrote before it), or wait for more.
      if (!(await running(store, rec))) {
        const more = (await idx.stat()).size > next * RECORD || (await log.stat()).size > pos
        if (!more) return
        continue
      }
      await pause(100)
    }
  }
}

/** A log from before the index: all of it as stdout, with no times (--tail by newlines). */
async function* unindexed(store: Store, rec: ContainerRecord, fh: FileHandle, o: LogOptions): AsyncGenerator<LogChunk> {
  let pos = o.tail === undefined ? 0 : await tailStart(fh, o.tail)
  const buf = Buffer.alloc(WINDOW)
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
    if (bytesRead > 0) {
      pos += bytesRead
      yield { stream: 'stdout', data: Buffer.from(buf.subarray(0, bytesRead)) }
      continue
    }
    if (!o.follow) return
    if (!(await running(store, rec))) {
      const last = await fh.read(buf, 0, buf.length, pos)
      if (last.bytesRead === 0) return
      pos += last.bytesRead
      yield { stream: 'stdout', data: Buffer.from(buf.subarray(0, last.bytesRead)) }
      continue
    }
    await pause(100)
  }
}

/** Where the last `n` lines of the file start (a last line without its newline counts). */
export async function tailStart(fh: FileHandle, n: number): Promise<number> {
  const size = (await fh.stat()).size
  if (n <= 0) return size
  const buf = Buffer.alloc(1 << 16)
  let seen = 0
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - buf.length)
    const { bytesRead } = await fh.read(buf, 0, end - start, start)
    for (let i = bytesRead - 1; i >= 0; i--) {
      // A newline starts the line after it; the file's own last byte starts none.
      if (buf[i] === 0x0a && start + i !== size - 1 && ++seen === n) return start + i + 1
    }
    end = start
  }
  return 0
}
