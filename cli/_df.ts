// Printing `store system df [-v]`: Docker's table (its columns, rows and size precision: four
// digits where Docker uses go-units HumanSize, three for image and container sizes), then what
// chunk dedup and compression saved and what every byte on disk is for. `--format json` prints
// Docker's objects (their fields as Docker's strings) with our figures beside them, in bytes.

import type { SystemDf, DfRow, ImageUsage } from '../lib/index.js'
import { humanSize, timeAgo } from '../lib/index.js'
import { table, printFormatted } from './_output.js'

/** Docker's RECLAIMABLE: `<size> (<pct>%)` (integer division) when the row has a size; the build cache shows no percentage. */
function reclaimable(x: DfRow): string {
  const r = humanSize(x.reclaimable, 4)
  if (x.type === 'Build Cache' || x.size <= 0) return r
  return `${r} (${Math.floor((x.reclaimable * 100) / x.size)}%)`
}

export function printDf(r: SystemDf, argv: { verbose?: boolean; format?: string }, now: Date): void {
  if (argv.verbose) {
    if (argv.format === 'json') process.stdout.write(JSON.stringify(verboseObject(r, now)) + '\n')
    else printVerbose(r, now)
    return
  }
  printFormatted(
    argv.format,
    ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
    r.rows.map((x) => [x.type, String(x.total), String(x.active), humanSize(x.size, 4), reclaimable(x)]),
    r.rows.map((x) => ({
      Active: String(x.active), Reclaimable: reclaimable(x), Size: humanSize(x.size, 4), TotalCount: String(x.total), Type: x.type,
      SizeBytes: x.size, ReclaimableBytes: x.reclaimable,
      ...(x.type === 'Images' ? dedupFigures(r) : {}),
    })),
  )
  if (argv.format === 'json') {
    process.stdout.write(JSON.stringify({ Type: 'On Disk', Size: humanSize(r.disk.total, 4), ...onDisk(r) }) + '\n')
    return
  }
  if (argv.format && argv.format !== 'table') return
  process.stdout.write('\n' + summaryLines(r))
}

function printVerbose(r: SystemDf, now: Date): void {
  const out = process.stdout
  out.write('Images space usage:\n\n')
  const rows = byCreated(r.images).map((i) => {
    const [repo, tag] = firstTag(i)
    return [repo, tag, i.id.slice(7, 19), timeAgo(i.created, now), humanSize(i.size), humanSize(i.sharedSize, 4), humanSize(i.uniqueSize, 4), String(i.containers), humanSize(i.chunkBytes), humanSize(i.storedBytes)]
  })
  out.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS', 'DEDUPLICATED', 'STORED'], rows))
  out.write('\nContainers space usage:\n\n')
  out.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
    r.containers.map((c) => [c.id.slice(0, 12), c.image, JSON.stringify(c.command.length > 20 ? c.command.slice(0, 19) + '…' : c.command), String(c.localVolumes), humanSize(c.size), timeAgo(c.created, now), c.status, c.names])))
  out.write('\nLocal Volumes space usage:\n\n')
  out.write(table(['VOLUME NAME', 'LINKS', 'SIZE'], r.volumes.map((v) => [v.name, String(v.links), humanSize(v.size, 4)])))
  const cache = r.rows.find((x) => x.type === 'Build Cache')
  out.write(`\nBuild cache usage: ${humanSize(cache?.size ?? 0, 4)}\n\n`)
  out.write(summaryLines(r))
}

/**
 * `-v --format json`: Docker's one object (Images, Containers, Volumes, BuildCache, each item
 * with Docker's fields), plus Snapshots, Deduplication and OnDisk. IDs are whole, as Docker
 * prints them outside a table. The build cache's entries are not listed one by one.
 */
function verboseObject(r: SystemDf, now: Date) {
  const snap = r.rows.find((x) => x.type === 'Snapshots')
  return {
    Images: byCreated(r.images).map((i) => {
      const [repo, tag] = firstTag(i)
      return {
        Containers: String(i.containers), CreatedAt: i.created ?? '', CreatedSince: timeAgo(i.created, now), Digest: '', ID: i.id, Repository: repo,
        SharedSize: humanSize(i.sharedSize, 4), Size: humanSize(i.size), Tag: tag, UniqueSize: humanSize(i.uniqueSize, 4), VirtualSize: humanSize(i.size, 4),
        SizeBytes: i.size, SharedSizeBytes: i.sharedSize, UniqueSizeBytes: i.uniqueSize, DeduplicatedBytes: i.chunkBytes, StoredBytes: i.storedBytes,
      }
    }),
    Containers: r.containers.map((c) => ({
      Command: JSON.stringify(c.command), CreatedAt: c.created, ID: c.id, Image: c.image,
      Labels: Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).sort().join(','), LocalVolumes: String(c.localVolumes), Mounts: c.mounts.join(','),
      Names: c.names, Networks: c.network, Ports: '', RunningFor: timeAgo(c.created, now), Size: humanSize(c.size), State: c.state, Status: c.status,
      SizeBytes: c.size,
    })),
    Volumes: r.volumes.map((v) => ({
      Availability: 'N/A', Driver: 'local', Group: 'N/A', Labels: Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).sort().join(','), Links: String(v.links),
      Mountpoint: v.mountpoint, Name: v.name, Scope: 'local', Size: humanSize(v.size, 4), Status: 'N/A', SizeBytes: v.size,
    })),
    BuildCache: [],
    Snapshots: {
      TotalCount: snap?.total ?? 0, Active: snap?.active ?? 0, SizeBytes: snap?.size ?? 0, ReclaimableBytes: snap?.reclaimable ?? 0,
      TreeBytes: r.snapshots.treeBytes, PoolFiles: r.snapshots.poolFiles, PoolBytes: r.snapshots.poolBytes, PoolSharedBytes: r.snapshots.sharedBytes,
    },
    Deduplication: dedupFigures(r),
    OnDisk: onDisk(r),
  }
}

/** Docker shows one row per image, with its first tag. */
function firstTag(i: ImageUsage): [string, string] {
  const t = i.tags[0]
  if (!t) return ['<none>', '<none>']
  const c = t.lastIndexOf(':')
  return [t.slice(0, c), t.slice(c + 1)]
}

/** Newest first, as Docker's image list. */
const byCreated = (images: ImageUsage[]) => [...images].sort((a, b) => (Date.parse(b.created ?? '') || 0) - (Date.parse(a.created ?? '') || 0))

/** What chunk dedup and compression did, in bytes (saved: layer content minus stored bytes). */
function dedupFigures(r: SystemDf) {
  return {
    LogicalBytes: r.logical, DeduplicatedBytes: r.deduplicated, StoredBytes: r.stored, AllocatedBytes: r.allocated,
    SavedBytes: Math.max(0, r.logical - r.stored), Blobs: r.blobs, Packs: r.packs, Files: r.files,
  }
}

/** Every byte under the root, allocated, by area (lib/system/dfDisk.ts); TotalBytes is `du` of the root. */
function onDisk(r: SystemDf) {
  const d = r.disk
  return {
    TotalBytes: d.total, BlobsBytes: d.blobs, SnapshotsBytes: d.snapshots, ContainersBytes: d.containers, VolumesBytes: d.volumes,
    BuildCacheBytes: d.buildCache, RecordsBytes: d.records, TempBytes: d.temp,
  }
}

function summaryLines(r: SystemDf): string {
  return [dedupLine(r), allocatedLine(r), poolLine(r), leftoversLine(r), diskLine(r)].filter((l) => l !== '').map((l) => l + '\n').join('')
}

/** Only when there are snapshots: their trees, the pool, and what the pool shares. */
function poolLine(r: SystemDf): string {
  const s = r.snapshots
  if (s.row.total === 0 && s.poolFiles === 0) return ''
  return `Snapshots: ${humanSize(s.treeBytes)} in ${s.row.total} trees, and a file pool of ${s.poolFiles} files in ${humanSize(s.poolBytes)}, which shares ${humanSize(s.sharedBytes)} (what copies would add)`
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
  return `Left by interrupted operations: ${n} temp ${n === 1 ? 'entry' : 'entries'}, ${humanSize(r.leftovers.bytes)} (\`store system prune\` removes them)`
}

/** Every byte under the root, allocated, by what it is for: their sum is `du` of the root. */
function diskLine(r: SystemDf): string {
  const d = r.disk
  const parts: [string, number][] = [
    ['blobs', d.blobs], ['snapshots and pool', d.snapshots], ['containers', d.containers], ['volumes', d.volumes],
    ['build cache', d.buildCache], ['records', d.records], ['temp and trash', d.temp],
  ]
  return `On disk: ${humanSize(d.total)} in all: ${parts.map(([k, v]) => `${humanSize(v)} ${k}`).join(', ')}`
}

function dedupLine(r: SystemDf): string {
  const saved = r.logical > 0 ? Math.max(0, Math.round(((r.logical - r.stored) / r.logical) * 100)) : 0
  return [
    `Deduplication: ${humanSize(r.logical)} of layer content is ${humanSize(r.deduplicated)} in distinct chunks`,
    `(${humanSize(Math.max(0, r.logical - r.deduplicated))} saved by dedup), ${humanSize(r.stored)} on disk in ${r.blobs} blobs after compression`,
    `(${saved}% saved in all)`,
  ].join(' ')
}
