// The progress line of long commands (import, load, save, fsck, system df) on a terminal: what, how much
// of how much, the rate and the time left, redrawn in place at most ten times a second, and
// cleared when the work ends. In a pipe, or with --quiet, nothing: scripts read only what the
// command prints on stdout. Written to stderr, as Docker's client writes its progress bars
// for the commands whose output is data (save).

import type { OnProgress, Progress } from '../lib/index.js'
import { humanSize } from '../lib/index.js'

export interface ProgressLine {
  report: OnProgress
  /** A step's own words instead of numbers ("checked 12 packs (3400 blobs)"). */
  note(text: string): void
  /** Clears the line (call when the work ends, also on failure). */
  end(): void
}

const NONE: ProgressLine = { report: () => {}, note: () => {}, end: () => {} }

export function progressLine(quiet = false, out: NodeJS.WriteStream = process.stderr, now: () => number = () => performance.now()): ProgressLine {
  if (quiet || !out.isTTY) return NONE
  const start = now()
  let drawn = -Infinity
  let last: Progress | string | undefined
  const draw = (p: Progress | string) => {
    out.write(`\r\x1b[2K${typeof p === 'string' ? p : render(p, (now() - start) / 1000)}`)
    drawn = now()
  }
  const show = (p: Progress | string) => {
    // The first state and every change of step at once, then ten times a second.
    const first = last === undefined || typeof last !== typeof p || (typeof p !== 'string' && typeof last !== 'string' && last.label !== p.label)
    last = p
    if (first || now() - drawn >= 100) draw(p)
  }
  return {
    report: show,
    note: show,
    end() {
      if (last === undefined) return
      draw(last)
      out.write('\r\x1b[2K')
    },
  }
}

/** "Importing: 12.3MB / 45.6MB  8.2MB/s  ETA 4s" (bytes), "Checking: 1200 / 5000 blobs" (items). */
export function render(p: Progress, seconds: number): string {
  const n = (x: number) => (p.unit === 'bytes' ? humanSize(x) : String(x))
  const parts = [`${p.label}: ${n(p.done)}${p.total !== undefined ? ` / ${n(p.total)}` : ''}${p.unit === 'items' ? ` ${p.noun ?? 'blobs'}` : ''}`]
  const rate = seconds > 0.2 ? p.done / seconds : 0
  if (rate > 0) parts.push(p.unit === 'bytes' ? `${humanSize(rate)}/s` : `${Math.round(rate)}/s`)
  if (rate > 0 && p.total !== undefined && p.total >= p.done) parts.push(`ETA ${Math.ceil((p.total - p.done) / rate)}s`)
  return parts.join('  ')
}

export interface LayerLines {
  /** A status line; a layer's (with its short ID) takes that layer's row. */
  status(line: string, id?: string): void
  /** A layer's bytes (`p.id`): drawn in its row on a terminal, not at all in a pipe. */
  report: OnProgress
}

/**
 * Docker's view of a pull or push, on stdout as Docker's client writes it. In a pipe: each status
 * line once ("…: Pulling fs layer", "…: Pull complete"), no byte counts. On a terminal: each layer
 * has a row that its statuses and its progress ("Downloading  1.2MB/3.4MB") redraw in place (the
 * cursor moved up to the row and back), at most ten times a second per layer; a line that is not
 * a layer's starts a new block of rows below.
 */
export function layerLines(quiet = false, out: NodeJS.WriteStream = process.stdout, now: () => number = () => performance.now()): LayerLines {
  if (quiet) return { status: () => {}, report: () => {} }
  if (!out.isTTY) return { status: (line) => void out.write(`${line}\n`), report: () => {} }
  const rows = new Map<string, number>()
  const drawn = new Map<string, number>()
  const row = (id: string, text: string) => {
    let at = rows.get(id)
    if (at === undefined) {
      at = rows.size
      rows.set(id, at)
      out.write('\n')
    }
    const up = rows.size - at
    out.write(`\x1b[${up}A\x1b[2K\r${text}\r\x1b[${up}B`)
  }
  return {
    status(line, id) {
      if (id !== undefined) return row(id, line)
      rows.clear()
      out.write(`${line}\n`)
    },
    report(p) {
      if (p.id === undefined || !p.total) return
      // The first and last count at once, then ten times a second.
      const t = now()
      if (p.done > 0 && p.done < p.total && t - (drawn.get(p.id) ?? -Infinity) < 100) return
      drawn.set(p.id, t)
      row(p.id, `${p.id}: ${p.label} ${dockerProgress(p.done, p.total, out.columns ?? 0)}`)
    },
  }
}

/** Docker's progress text: a bar when the terminal is wider than 110 columns, then "%8v/%v" of the sizes (four digits). */
export function dockerProgress(done: number, total: number, columns: number): string {
  const half = Math.min(50, Math.floor(Math.floor((done / total) * 100) / 2))
  const bar = columns > 110 ? `[${'='.repeat(half)}>${' '.repeat(50 - half)}] ` : ''
  const cur = humanSize(done, 4)
  return `${bar}${done > total ? cur.padStart(8) : `${cur.padStart(8)}/${humanSize(total, 4)}`}`
}
