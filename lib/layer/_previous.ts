// The last import of a folder, as the next import walks it: the stats file of that import
// (_treeStats.ts) and the layer's index, read in step (both hold the layer's entries in
// order) and merged with the new walk by path. An entry whose path and fingerprint are the
// same gives its content as the layer holds it (inline bytes or chunk refs), so the file is
// not read and chunked again. Memory: a segment of the index and a block of the stats file,
// never a map of the entries (300,000 of them here).

import type { ContentStore } from '../cas/types.js'
import { indexEntries } from './indexReader.js'
import type { IndexEntry, LayerIndex } from './_format.js'
import { TreeStatsReader, type StatsRecord } from './_treeStats.js'
import { walkCompare } from './_walkOrder.js'

export interface PreviousImport {
  /** The layer that import made (its index still in the store: the caller checked, under a lease). */
  index: LayerIndex
  /** Its stats file. */
  stats: string
}

export class PreviousTree {
  private readonly stats: TreeStatsReader
  private readonly entries: AsyncIterator<IndexEntry>
  private rec: StatsRecord | undefined
  private done = false

  constructor(cas: ContentStore, prev: PreviousImport) {
    this.stats = new TreeStatsReader(prev.stats)
    this.entries = indexEntries(cas, prev.index)[Symbol.asyncIterator]()
    this.rec = this.stats.next()
  }

  /**
   * The previous entry at `name` if its fingerprint is `fp` (the file is unchanged since), else
   * undefined. Called with every entry of the new walk, in walk order.
   */
  async match(name: string, fp: Uint8Array): Promise<IndexEntry | undefined> {
    while (this.rec && walkCompare(this.rec.name, name) < 0) await this.advance() // gone since
    if (!this.rec || this.rec.name !== name) return undefined // new
    const same = equal(this.rec.fp, fp)
    const e = await this.advance()
    return same ? e : undefined
  }

  close(): void {
    if (this.done) return
    this.done = true
    this.stats.close()
    void this.entries.return?.()
  }

  /** The entry of the current record; moves both on. */
  private async advance(): Promise<IndexEntry | undefined> {
    const n = await this.entries.next()
    this.rec = n.done ? undefined : this.stats.next()
    return n.done ? undefined : n.value
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return a.length === b.length
}
