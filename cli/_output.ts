// Output helpers: Docker-style tables (columns padded by three spaces), --format (json,
// table, Go-template-like `{{.Field}}`), and writes that respect stdout back-pressure.

import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createWriteStream } from 'node:fs'

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n') + '\n'
}

/** Render `{{.Field}}`, `{{json .}}`, `{{json .Field}}`, `\t` and `\n` of a Go template. */
export function renderTemplate(tpl: string, obj: Record<string, unknown>): string {
  const t = tpl.replace(/\\t/g, '\t').replace(/\\n/g, '\n')
  return t.replace(/\{\{\s*(json\s+)?\.([A-Za-z0-9_.]*)\s*\}\}/g, (_, json: string | undefined, path: string) => {
    let v: unknown = obj
    for (const p of path.split('.').filter(Boolean)) v = (v as Record<string, unknown> | undefined)?.[p]
    if (json) return JSON.stringify(v ?? null)
    if (v === undefined || v === null) return '<no value>'
    return typeof v === 'object' ? JSON.stringify(v) : String(v)
  })
}

/**
 * Print rows per --format: undefined/'table' -> table; 'json' -> one JSON object per line;
 * 'table TEMPLATE' -> table with template cells; otherwise a template per row.
 */
export function printFormatted(format: string | undefined, headers: string[], rows: string[][], objects: Record<string, unknown>[]): void {
  if (!format || format === 'table') {
    process.stdout.write(table(headers, rows))
  } else if (format === 'json') {
    for (const o of objects) process.stdout.write(JSON.stringify(o) + '\n')
  } else if (format.startsWith('table ')) {
    const tpl = format.slice(6)
    const cols = tpl.split(/\\t|\t/)
    const hdrs = cols.map((c) => {
      const m = /\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/.exec(c)
      return m ? m[1].replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() : c
    })
    process.stdout.write(table(hdrs, objects.map((o) => cols.map((c) => renderTemplate(c, o)))))
  } else {
    for (const o of objects) process.stdout.write(renderTemplate(format, o) + '\n')
  }
}

/** Stream bytes to a file or stdout, with back-pressure. */
export async function writeStream(src: AsyncIterable<Uint8Array>, file?: string): Promise<void> {
  const out = file && file !== '-' ? createWriteStream(file) : process.stdout
  await pipeline(Readable.from(src, { objectMode: false }), out, { end: out !== process.stdout })
}

export function err(msg: string): void {
  process.stderr.write(msg.endsWith('\n') ? msg : msg + '\n')
}
