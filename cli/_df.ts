// Printing `store system df [-v]`: Docker's table, then what chunk dedup and compression saved.

import type { SystemDf } from '../lib/system/df.js'
import { humanSize, timeAgo } from '../lib/units.js'
import { table, printFormatted } from './_output.js'

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 100) : 0)

export function printDf(r: SystemDf, argv: { verbose?: boolean; format?: string }, now: Date): void {
  const out = process.stdout
  if (!argv.verbose) {
    printFormatted(
      argv.format,
      ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
      r.rows.map((x) => [x.type, String(x.total), String(x.active), humanSize(x.size), `${humanSize(x.reclaimable)}${x.type === 'Build Cache' ? '' : ` (${pct(x.reclaimable, x.size)}%)`}`]),
      r.rows.map((x) => ({ Type: x.type, TotalCount: x.total, Active: x.active, Size: humanSize(x.size), Reclaimable: humanSize(x.reclaimable), Logical: undefined })),
    )
    if (argv.format && argv.format !== 'table') return
    out.write('\n')
    out.write(dedupLine(r) + '\n')
    out.write(allocatedLine(r) + '\n')
    out.write(poolLine(r))
    out.write(leftoversLine(r))
    return
  }
  out.write('Images space usage:\n\n')
  const rows: string[][] = []
  for (const i of r.images) {
    const names = i.tags.length ? i.tags : ['<none>:<none>']
    for (const t of names) {
      const c = t.lastIndexOf(':')
      rows.push([t.slice(0, c), t.slice(c + 1), i.id.slice(7, 19), timeAgo(i.created, now), humanSize(i.size), humanSize(i.sharedSize), humanSize(i.uniqueSize), String(i.containers), humanSize(i.chunkBytes), humanSize(i.storedBytes)])
    }
  }
  out.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS', 'DEDUPLICATED', 'STORED'], rows))
  out.write('\nContainers space usage:\n\n')
  out.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
    r.containers.map((c) => [c.id.slice(0, 12), c.image, JSON.stringify(c.command.length > 20 ? c.command.slice(0, 19) + '…' : c.command), String(c.localVolumes), humanSize(c.size), timeAgo(c.created, now), c.status, c.names])))
  out.write('\nLocal Volumes space usage:\n\n')
  out.write(table(['VOLUME NAME', 'LINKS', 'SIZE'], r.volumes.map((v) => [v.name, String(v.links), humanSize(v.size)])))
  const cache = r.rows.find((x) => x.type === 'Build Cache')
  out.write(`\nBuild cache usage: ${humanSize(cache?.size ?? 0)}\n\n`)
  out.write(dedupLine(r) + '\n')
  out.write(allocatedLine(r) + '\n')
  out.write(poolLine(r))
  out.write(leftoversLine(r))
}

/** Only when there are snapshots: their trees, the pool, and what the pool shares. */
function poolLine(r: SystemDf): string {
  const s = r.snapshots
  if (s.row.total === 0 && s.poolFiles === 0) return ''
  return `Snapshots: ${humanSize(s.treeBytes)} in ${s.row.total} trees, and a file pool of ${s.poolFiles} files in ${humanSize(s.poolBytes)}, which shares ${humanSize(s.sharedBytes)} (what copies would add)\n`
}

/** What the file system allocates for the stored bytes: packs keep it within a few % of them. */
function allocatedLine(r: SystemDf): string {
  const ratio = r.stored > 0 ? ` (${((r.allocated / r.stored) * 100).toFixed(1)}% of stored)` : ''
  return `Allocated on disk: ${humanSize(r.allocated)}${ratio} in ${r.files} ${r.files === 1 ? 'file' : 'files'}, ${r.packs} ${r.packs === 1 ? 'pack' : 'packs'}`
}

/** Only when there are any: what killed operations left, until a prune removes it. */
function leftoversLine(r: SystemDf): string {
  const n = r.leftovers.entries
  if (n === 0) return ''
  return `Left by interrupted operations: ${n} temp ${n === 1 ? 'entry' : 'entries'}, ${humanSize(r.leftovers.bytes)} (\`store system prune\` removes them)\n`
}

function dedupLine(r: SystemDf): string {
  const saved = r.logical > 0 ? Math.max(0, pct(r.logical - r.stored, r.logical)) : 0
  return [
    `Deduplication: ${humanSize(r.logical)} of layer content is ${humanSize(r.deduplicated)} in distinct chunks`,
    `(${humanSize(Math.max(0, r.logical - r.deduplicated))} saved by dedup), ${humanSize(r.stored)} on disk in ${r.blobs} blobs after compression`,
    `(${saved}% saved in all)`,
  ].join(' ')
}
