// A Markdown table for a scenario's result, first column left-aligned and the others
// right-aligned (numbers): it pastes into the README as it is.

export function markdown(rows: Record<string, string>[]): string {
  const cols = Object.keys(rows[0])
  const cells = [cols, ...rows.map((r) => cols.map((c) => r[c].replaceAll('|', '\\|')))]
  const w = cols.map((_, i) => Math.max(...cells.map((r) => r[i].length)))
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`
  const rule = `|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n')
}
