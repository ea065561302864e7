// A layer index read entry by entry, synchronously while the segment at hand lasts: a folder
// import walks the last import's index beside the new tree (_previous.ts), 300,000 entries,
// and an async step per record (indexEntries()) cost more than comparing them. The next
// segment is read ahead while the current one is parsed.

import type { ContentStore } from '../cas/types.js'
import { digestFromHex } from '../digest/digest.js'
import type { IndexEntry, IndexRecord, LayerIndex } from './_format.js'
import { readRecords } from './_records.js'

const WAIT = Symbol('wait')

export class EntryCursor {
  private records: Iterator<IndexRecord> | undefined
  private seg = 0
  private ahead: Promise<Uint8Array> | undefined
  private cur: IndexEntry | undefined
  private done = false
  private readonly whole: IndexEntry[] | undefined

  constructor(
    private readonly cas: ContentStore,
    private readonly ix: LayerIndex,
  ) {
    if (ix.kind === 'whole') this.whole = ix.entries
    else this.ahead = this.fetch(0)
  }

  /** The next entry; undefined after the last. A promise only when a segment has to be read first. */
  next(): IndexEntry | undefined | Promise<IndexEntry | undefined> {
    if (this.whole) return this.whole[this.seg++]
    const e = this.assemble()
    return e === WAIT ? this.load().then(() => this.next()) : e
  }

  private assemble(): IndexEntry | undefined | typeof WAIT {
    while (!this.done) {
      const n = this.records?.next()
      if (!n || n.done) {
        if (this.seg >= (this.ix as { segments: unknown[] }).segments.length) break
        return WAIT
      }
      const r = n.value
      if (r.type === 'header' || r.type === 'trailer') {
        const e = this.cur
        this.cur = r.type === 'header' ? { h: r.bytes } : undefined
        if (r.type === 'trailer') this.done = true
        if (e) return e
      } else if (this.cur) {
        if (r.type === 'chunks') this.cur.c = this.cur.c ? this.cur.c.concat(r.refs) : r.refs
        else if (r.type === 'data') this.cur.d = r.bytes
        else if (r.type === 'padding') this.cur.p = r.bytes
      }
    }
    this.done = true
    const e = this.cur
    this.cur = undefined
    return e
  }

  private async load(): Promise<void> {
    const segments = (this.ix as Extract<LayerIndex, { kind: 'segmented' }>).segments
    const seg = await this.ahead!
    const hex = segments[this.seg++][0]
    this.ahead = this.fetch(this.seg)
    this.records = readRecords(seg, hex)[Symbol.iterator]()
  }

  private fetch(i: number): Promise<Uint8Array> | undefined {
    const segments = (this.ix as Extract<LayerIndex, { kind: 'segmented' }>).segments
    if (i >= segments.length) return undefined
    const p = this.cas.get(digestFromHex(segments[i][0]))
    p.catch(() => {}) // seen when its turn comes
    return p
  }
}
