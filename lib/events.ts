// The event log (`store events`): without a daemon to stream from, each command appends what it
// did to <root>/events.log, one JSON object per line in Docker's shape (Type, Action, Actor,
// time, timeNano), and `store events` reads it and follows it. Appending a line is one write on
// an O_APPEND file: lines from concurrent commands never interleave. Past 1 MiB the log is
// renamed to events.log.1 (one generation kept, as Docker keeps only recent events).

import { appendFile, open, rename, stat } from 'node:fs/promises'
import type { Layout } from './layout.js'

export interface StoreEvent {
  Type: 'container' | 'image' | 'network' | 'volume'
  Action: string
  Actor: { ID: string; Attributes: Record<string, string> }
  scope: 'local'
  time: number
  timeNano: number
}

const MAX_LOG = 1 << 20

/** Record an event; never fails the operation that did it (a full disk costs the event only). */
export async function emit(layout: Layout, type: StoreEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): Promise<void> {
  const ms = Date.now()
  const ev: StoreEvent = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: Math.floor(ms / 1000), timeNano: ms * 1e6 }
  try {
    const st = await stat(layout.events).catch(() => undefined)
    if (st && st.size > MAX_LOG) await rename(layout.events, `${layout.events}.1`).catch(() => {})
    await appendFile(layout.events, JSON.stringify(ev) + '\n')
  } catch {
    // the event is lost, the operation is not
  }
}

/** Docker's text line: `2026-12-03T20:36:12.123000000Z container start ID (image=x, name=y)`. */
export function eventLine(ev: StoreEvent): string {
  const iso = new Date(Math.floor(ev.timeNano / 1e6)).toISOString().replace(/\.(\d{3})Z$/, (_, ms) => `.${ms}${String(ev.timeNano % 1e6).padStart(6, '0')}Z`)
  const attrs = Object.entries(ev.Actor.Attributes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ')
  return `${iso} ${ev.Type} ${ev.Action} ${ev.Actor.ID}${attrs ? ` (${attrs})` : ''}`
}

/**
 * The events from `sinceMs` on, oldest first; with `follow`, then every new one as it is
 * written, until `untilMs` passes or `signal` aborts.
 */
export async function* readEvents(layout: Layout, sinceMs: number, untilMs: number | undefined, follow: boolean, signal?: AbortSignal): AsyncGenerator<StoreEvent> {
  let pos = 0
  let rest = ''
  for (const f of [`${layout.events}.1`, layout.events]) {
    if (f !== layout.events && !follow && sinceMs > Date.now()) continue
    const fh = await open(f, 'r').catch(() => undefined)
    if (!fh) continue
    try {
      const text = (await fh.readFile()).toString('utf8')
      if (f === layout.events) pos = Buffer.byteLength(text)
      const lines = text.split('\n')
      if (f === layout.events) rest = lines.pop() ?? ''
      for (const l of lines) {
        const ev = parse(l)
        if (ev && ev.timeNano / 1e6 >= sinceMs && (untilMs === undefined || ev.timeNano / 1e6 <= untilMs)) yield ev
      }
    } finally {
      await fh.close()
    }
  }
  if (pos === 0) rest = ''
  while (follow && !signal?.aborted && (untilMs === undefined || Date.now() <= untilMs)) {
    await new Promise((r) => setTimeout(r, 100))
    const size = (await stat(layout.events).catch(() => undefined))?.size ?? 0
    if (size < pos) pos = 0 // rotated: the new file from its start
    if (size === pos) continue
    const fh = await open(layout.events, 'r')
    try {
      const buf = Buffer.alloc(size - pos)
      await fh.read(buf, 0, buf.length, pos)
      pos = size
      const lines = (rest + buf.toString('utf8')).split('\n')
      rest = lines.pop() ?? ''
      for (const l of lines) {
        const ev = parse(l)
        if (ev && ev.timeNano / 1e6 >= sinceMs && (untilMs === undefined || ev.timeNano / 1e6 <= untilMs)) yield ev
      }
    } finally {
      await fh.close()
    }
  }
}

function parse(line: string): StoreEvent | undefined {
  if (!line) return undefined
  try {
    return JSON.parse(line) as StoreEvent
  } catch {
    return undefined
  }
}
