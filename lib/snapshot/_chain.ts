// The data-only form's snapshots are whole chains, not single layers: snapshots/<chainID>/ is
// the metadata-only tree of every layer up to that one, applied in order with OCI's rules
// (whiteouts delete, opaque markers empty a dir: applyLayer's plain mode), so a container
// mounts one tree over the pool: `lowerdir=<init>:<chain>::<pool>`. Why not one tree per layer:
// overlayfs (6.18) follows a stub only in the LAST lower before the data-only ones; a stub in
// a lower with more lowers below it is refused (EPERM, "refusing to follow metacopy origin")
// unless the mount turns metacopy on, and metacopy=on makes a chmod in the container copy up
// metadata only (the upper dir would hold sparse files that diff and commit read as zeros) and
// turns redirect_dir on (a renamed dir's content would stay in the lowers). composefs does the
// same: one metadata image per container image over a shared object store.
// A chain's tree starts as a copy of the longest prefix of it that has one (stubs are inodes
// and xattrs: no data is copied), then the remaining layers are applied onto it.

import { spawn } from 'node:child_process'
import type { ContentStore } from '../cas/types.js'
import type { Layout } from '../layout.js'
import { Codes, StoreError } from '../errors.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'
import { mapFormSync, readMapSync, type SnapshotMap } from './map.js'
import type { SnapshotSink } from './_sink.js'
import { isDir } from './_ownBytes.js'

/**
 * A chain's tree begun: the tree of the longest prefix of `below` that has one, being copied
 * into `tmp` by cp in the background. A RUN step starts it as its command starts, so the copy
 * runs beside the command and the layer's ingest (on another core) instead of after them.
 */
export interface TreeStart {
  /** How many layers of the chain the copy holds (0: no prefix has a tree; nothing is copied). */
  from: number
  map: SnapshotMap | undefined
  /** Settles when the copy is complete (rejects with IO_ERROR if it failed). */
  done: Promise<void>
  /** Ends the copy early (its result unwanted); `done` then rejects. */
  stop(): void
}

/** Starts copying the tree of the longest prefix of `below` (bottom first) that has one into the empty dir `tmp`. */
export function startTree(layout: Layout, below: LayerRecord[], tmp: string): TreeStart {
  for (let i = below.length - 1; i >= 0; i--) {
    const dir = layout.snapshot(below[i].chainId)
    if (!isDir(dir) || mapFormSync(layout.snapshotMap(below[i].chainId)) !== 'data-only') continue
    const map = readMapSync(layout.snapshotMap(below[i].chainId))
    return { from: i + 1, map, ...copyTree(dir, tmp) }
  }
  return { from: 0, map: undefined, done: Promise.resolve(), stop: () => {} }
}

/**
 * cp -a of a tree's content: --sparse=always keeps a stub a hole; -a keeps owners, modes, times,
 * hard links and xattrs. Under setpriv --pdeathsig, the copy dies with this process: a store
 * killed mid-copy leaves no cp writing into a temp dir that prune is removing.
 */
function copyTree(dir: string, tmp: string): { done: Promise<void>; stop: () => void } {
  const cp = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'cp', '-a', '--sparse=always', '--', `${dir}/.`, `${tmp}/`], { stdio: ['ignore', 'ignore', 'pipe'] })
  const done = new Promise<void>((resolve, reject) => {
    let err = ''
    cp.stderr!.setEncoding('utf8').on('data', (t: string) => (err = (err + t).slice(-4096)))
    cp.on('error', (e) => reject(new StoreError(Codes.IO_ERROR, `cannot copy snapshot ${dir}: ${e.message}`)))
    cp.on('close', (code, signal) => (code === 0 ? resolve() : reject(new StoreError(Codes.IO_ERROR, `cannot copy snapshot ${dir}: ${err.trim() || `cp ended by ${signal}`}`))))
  })
  done.catch(() => {}) // awaited by its user; never an unhandled rejection meanwhile
  return { done, stop: () => void (cp.exitCode === null && cp.signalCode === null && cp.kill('SIGKILL')) }
}

/**
 * Applies `layers` (a whole chain) into the empty dir `tmp`, starting from a prefix's tree where
 * one exists (`started`: already begun into `tmp` by startTree over the layers below the top).
 * `before` is called before each layer is applied (a direct commit points the sink at its
 * writable layer for the top one only).
 */
export async function applyChain(cas: ContentStore, layout: Layout, layers: LayerRecord[], tmp: string, sink: SnapshotSink, before?: (l: LayerRecord) => void, started?: TreeStart): Promise<void> {
  const start = started ?? startTree(layout, layers.slice(0, -1), tmp)
  await start.done
  for (const [rel, ref] of start.map?.entries() ?? []) sink.refs.set(rel, ref)
  for (const l of layers.slice(start.from)) {
    before?.(l)
    await applyLayer(cas, await loadIndex(cas, l.index), tmp, { mode: 'plain', files: sink })
  }
}
