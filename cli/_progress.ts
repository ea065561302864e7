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
