// Output helpers: Docker-style tables (columns padded by three spaces), --format (json,
// table, Go-template-like `{{.Field}}`), and writes that respect stdout back-pressure.

import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createWriteStream } from 'node:fs'
import { execTemplate, parseTemplate } from './_template.js'

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n') + '\n'
}

const parsed = new Map<string, ReturnType<typeof parseTemplate>>()

/**
 * A Go template (cli/_template.ts) over `obj`, `\t` and `\n` read as tab and newline first (as
 * Docker's formatter does). A template that does not parse throws TemplateError (exit 64).
 */
export function renderTemplate(tpl: string, obj: unknown, name = ''): string {
  const t = tpl.replace(/\\t/g, '\t').replace(/\\n/g, '\n')
  let nodes = parsed.get(t)
  if (!nodes) parsed.set(t, (nodes = parseTemplate(t, name)))
  return execTemplate(nodes, obj)
}

/**
 * Print rows per --format: undefined/'table' -> table; 'json' -> one JSON object per line;
 * 'table TEMPLATE' -> table with template cells; otherwise a template per row.
 */
export function printFormatted(format: string | undefined, headers: string[], rows: string[][], objects: Record<string, unknown>[], names: Record<string, string> = {}): void {
  if (!format || format === 'table') {
    process.stdout.write(table(headers, rows))
  } else if (format === 'json') {
    for (const o of objects) process.stdout.write(JSON.stringify(o) + '\n')
  } else if (format.startsWith('table ')) {
    const tpl = format.slice(6)
    const cols = tpl.split(/\\t|\t/)
    // Headers as Docker makes them: each cell's template run over the fields' header names
    // (`{{.ID}}` of an image is IMAGE ID; `{{.Repository}}:{{.Tag}}` is REPOSITORY:TAG).
    const header = (k: string) => names[k] ?? k.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()
    const headerRow = new Proxy({}, { has: () => true, get: (_, k) => (typeof k === 'string' ? header(k) : undefined) })
    const hdrs = cols.map((c) => renderTemplate(c, headerRow))
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
