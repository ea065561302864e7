// A container's log: `container.log`, its output as written (both streams, in order, byte for
// byte), and beside it `container.log.idx`, one 16-byte record per piece of output: where the
// piece starts in the log, which stream wrote it and when. A piece is a line (a write is cut
// after each newline) or the end of a write without one, as Docker's json-file driver keeps an
// entry per line. The index is what `logs -t`, `--since`, `--until` and separate stdout and
// stderr read; `--tail N` is the last N records, read from the end without reading the rest.
//
// A record is written before its bytes, so a reader that sees a record may not see all of its
// bytes yet but never sees bytes without their record (containerLogs keeps its place by bytes).
// Record: float64 (offset * 2 + stream, stream 0 stdout, 1 stderr; exact up to 2^52 bytes of
// log), float64 time in whole microseconds since the epoch (exact: integers below 2^53).

import { closeSync, fstatSync, openSync, writeSync } from 'node:fs'

export const RECORD = 16

export type LogStream = 'stdout' | 'stderr'

export interface LogRecord {
  offset: number
  stream: LogStream
  /** Microseconds since the epoch. */
  us: number
}

export const indexPath = (log: string) => `${log}.idx`

/** Now, in whole microseconds since the epoch (Date.now() has milliseconds only). */
export const nowMicros = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000)

export function decodeRecords(buf: Uint8Array, count = Math.floor(buf.length / RECORD)): LogRecord[] {
  const v = new DataView(buf.buffer, buf.byteOffset, count * RECORD)
  const out: LogRecord[] = []
  for (let i = 0; i < count; i++) {
    const key = v.getFloat64(i * RECORD, true)
    out.push({ offset: Math.floor(key / 2), stream: key % 2 === 1 ? 'stderr' : 'stdout', us: v.getFloat64(i * RECORD + 8, true) })
  }
  return out
}

/** Appends output to a container's log and its index. Writes are synchronous: a piece is on disk when write() returns. */
export class LogWriter {
  private readonly log: number
  private readonly index: number
  private offset: number
  private failed = false

  constructor(path: string) {
    this.log = openSync(path, 'a')
    this.index = openSync(indexPath(path), 'a')
    this.offset = fstatSync(this.log).size
  }

  /** Whether every write so far reached the disk (a full disk costs the log, not the run). */
  get ok(): boolean {
    return !this.failed
  }

  write(stream: LogStream, data: Uint8Array, us = nowMicros()): void {
    if (this.failed || data.length === 0) return
    const starts = [0]
    for (let i = data.indexOf(0x0a); i >= 0 && i + 1 < data.length; i = data.indexOf(0x0a, i + 1)) starts.push(i + 1)
    const rec = new Uint8Array(starts.length * RECORD)
    const v = new DataView(rec.buffer)
    starts.forEach((s, i) => {
      v.setFloat64(i * RECORD, (this.offset + s) * 2 + (stream === 'stderr' ? 1 : 0), true)
      v.setFloat64(i * RECORD + 8, us, true)
    })
    try {
      writeSync(this.index, rec)
      for (let at = 0; at < data.length; ) at += writeSync(this.log, data, at)
    } catch {
      this.failed = true
    }
    this.offset += data.length
  }

  close(): void {
    closeSync(this.log)
    closeSync(this.index)
  }
}
