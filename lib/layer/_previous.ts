// The last import of a folder, as the next import walks it: the stats file of that import
// (_treeStats.ts) and the layer's index, read in step (both hold the layer's entries in
// order) and merged with the new walk by path. An entry whose path and fingerprint are the
// same gives its content as the layer holds it (inline bytes or chunk refs), so the file is
// not read and chunked again; one whose fingerprint changed (a touch, a checkout) still gives
// its chunks as a guess, which the file's bytes are checked against as they are read. Memory:
// a segment of the index and a block of the stats file, never a map of the entries (300,000 of
// them here).

import type { ContentStore } from '../cas/types.js'
import { EntryCursor } from './_entryCursor.js'
import type { IndexEntry, LayerIndex } from './_format.js'
import { TreeStatsReader, type StatsRecord } from './_treeStats.js'
import { walkCompare } from './_walkOrder.js'

export interface PreviousImport {
  /** The layer that import made (its index still in the store: the caller checked, under a lease). */
  index: LayerIndex
  /** Its stats file. */
  stats: string
}

/** The previous entry at a path, and whether the file's fingerprint is the same (trusted). */
export interface PreviousEntry {
  entry: IndexEntry
  unchanged: boolean
}

export class PreviousTree {
  private readonly stats: TreeStatsReader
  private readonly entries: EntryCursor
  private rec: StatsRecord | undefined
  private done = false

  /** `trust`: false to call no file unchanged by its fingerprint (STORE_IMPORT_MEMO=0). */
  constructor(
    cas: ContentStore,
    prev: PreviousImport,
    private readonly trust = true,
  ) {
    this.stats = new TreeStatsReader(prev.stats)
    this.entries = new EntryCursor(cas, prev.index)
    this.rec = this.stats.next()
  }

  /**
   * The previous entry at `name`, if there was one, and whether its fingerprint is `fp` (the
   * file is unchanged since). Called with every entry of the new walk, in walk order.
   */
  match(name: string, fps: Uint8Array, at: number): PreviousEntry | undefined | Promise<PreviousEntry | undefined> {
    while (this.rec && walkCompare(this.rec.name, name) < 0) {
      // Gone since.
      const e = this.advance()
      if (e instanceof Promise) return e.then(() => this.match(name, fps, at))
    }
    if (!this.rec || this.rec.name !== name) return undefined // new
    const unchanged = this.trust && equal(this.rec.fp, fps, at)
    const e = this.advance()
    if (e instanceof Promise) return e.then((entry) => entry && { entry, unchanged })
    return e && { entry: e, unchanged }
  }

  close(): void {
    if (this.done) return
    this.done = true
    this.stats.close()
  }

  /** The entry of the current record; moves both on (a promise when a segment is read first). */
  private advance(): IndexEntry | undefined | Promise<IndexEntry | undefined> {
    const e = this.entries.next()
    if (e instanceof Promise) return e.then((x) => this.moved(x))
    return this.moved(e)
  }

  private moved(e: IndexEntry | undefined): IndexEntry | undefined {
    this.rec = e ? this.stats.next() : undefined
    return e
  }
}

/** Whether fingerprint `a` is b[at…at+16]. */
export function equal(a: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[at + i]) return false
  return a.length === 16
}
