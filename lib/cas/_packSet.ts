// The packs of a store as this process knows them: every valid index, loaded once (lazily, on
// the first lookup) and kept as its file's bytes, plus one table from digest to entry over all
// of them. 300,000 blobs: 12 MB of indexes and 4 MB of table.
// Another process may add packs meanwhile (a concurrent import) and gc may remove some: a lookup
// that misses, or a pack that is gone when opened, makes the caller refresh() (a readdir of
// packs/, loading only the indexes not seen yet), and a chunk batch refreshes when it starts.
// An index that fails its checks is ignored (its pack is invisible; fsck names it).

import { readdir, readFile } from 'node:fs/promises'
import type { Layout } from '../layout.js'
import { errno, ioError } from './_ioError.js'
import { DigestTable } from './_digestTable.js'
import { PackFiles } from './_packFiles.js'
import { parseIndex, type PackIndex } from './_packIndex.js'
import type { Sha256 } from './_packFormat.js'

export interface Pack {
  name: string
  index: PackIndex
  /** Table number of its entry 0. */
  base: number
}

/** A packed blob: its pack, its entry there, and where that entry's 36-byte head starts. */
export interface Located {
  pack: Pack
  i: number
  offset: number
  /** Stored bytes (header and payload), after the head. */
  length: number
}

const INDEX_FILE = /^([0-9a-f]{64})\.idx$/

export class PackSet {
  private packs: Pack[] = []
  private byName = new Map<string, Pack>()
  private table = this.newTable()
  private total = 0
  private loaded: Promise<void> | undefined
  private reading: Promise<void> | undefined
  /** Names whose index failed to load: not read again by each refresh. */
  private readonly bad = new Set<string>()
  readonly files: PackFiles

  constructor(
    private readonly layout: Layout,
    private readonly sha256: Sha256,
  ) {
    this.files = new PackFiles((name) => layout.pack(name))
  }

  /** Every pack loaded at least once in this process. */
  ready(): Promise<void> {
    return (this.loaded ??= this.refresh())
  }

  /** Reads packs/ again: loads indexes not seen yet, drops packs that are gone. Calls share one readdir. */
  refresh(): Promise<void> {
    this.reading ??= this.reread().finally(() => (this.reading = undefined))
    return this.reading
  }

  /** The packed copy of the blob with this hex digest, if a loaded pack has one. */
  find(hex: string): Located | undefined {
    if (this.total === 0) return undefined
    const id = this.table.find(Buffer.from(hex, 'hex'))
    if (id < 0) return undefined
    const pack = this.owner(id)
    const i = id - pack.base
    return { pack, i, offset: pack.index.offset(i), length: pack.index.length(i) }
  }

  list(): readonly Pack[] {
    return this.packs
  }

  /** A pack this process has just published (no readdir needed to see it). */
  add(index: PackIndex): void {
    if (this.byName.has(index.name)) return
    const pack: Pack = { name: index.name, index, base: this.total }
    this.packs.push(pack)
    this.byName.set(pack.name, pack)
    this.total += index.count
    this.table.reserve(index.count)
    for (let i = 0; i < index.count; i++) this.table.add(pack.base + i, index.bytes, index.digestAt(i))
  }

  /** Forgets packs (removed by gc, or found missing): the table is rebuilt without them. */
  drop(names: Iterable<string>): void {
    const gone = new Set(names)
    if (![...gone].some((n) => this.byName.has(n))) return
    const keep = this.packs.filter((p) => !gone.has(p.name))
    for (const n of gone) if (this.byName.has(n)) this.files.forget(n)
    this.packs = []
    this.byName.clear()
    this.total = 0
    this.table = this.newTable()
    for (const p of keep) this.add(p.index)
  }

  private async reread(): Promise<void> {
    let names: string[]
    try {
      names = await readdir(this.layout.packsDir)
    } catch (e) {
      if (errno(e) !== 'ENOENT') throw ioError(e, this.layout.packsDir, 'scandir')
      names = []
    }
    const present = new Set<string>()
    for (const f of names) {
      const m = INDEX_FILE.exec(f)
      if (m) present.add(m[1])
    }
    this.drop(this.packs.filter((p) => !present.has(p.name)).map((p) => p.name))
    const fresh = [...present].filter((n) => !this.byName.has(n) && !this.bad.has(n))
    // A few at a time: each is a read and a SHA-256 of its bytes.
    for (let k = 0; k < fresh.length; k += 8) {
      const loaded = await Promise.all(fresh.slice(k, k + 8).map((n) => this.load(n)))
      for (const ix of loaded) if (ix && !this.byName.has(ix.name)) this.add(ix)
    }
  }

  private async load(name: string): Promise<PackIndex | undefined> {
    const path = this.layout.packIndex(name)
    let bytes: Uint8Array
    try {
      bytes = await readFile(path)
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined // removed since the readdir
      throw ioError(e, path, 'read')
    }
    try {
      return parseIndex(bytes, name, this.sha256)
    } catch {
      this.bad.add(name)
      return undefined
    }
  }

  /** The pack holding table entry `id`: a binary search over the packs' first entries. */
  private owner(id: number): Pack {
    let lo = 0
    let hi = this.packs.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.packs[mid].base <= id) lo = mid
      else hi = mid - 1
    }
    return this.packs[lo]
  }

  private newTable(): DigestTable {
    return new DigestTable((id) => {
      const p = this.owner(id)
      return { bytes: p.index.bytes, at: p.index.digestAt(id - p.base) }
    })
  }
}
