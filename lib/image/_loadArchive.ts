// Reading a `store load` archive: one pass over the tar stream, memory bounded by what a small
// metadata file can be. Every member is hashed as it passes (a member named blobs/sha256/<hex>
// must hash to <hex>). A member that looks like JSON and is small is kept to be read at the end;
// anything else is offered to the layer ingester (a tar or gzip of any vintage: v7 tars have no
// magic, empty layers have no bytes, imported tars may carry trailing bytes); what is neither is
// hashed and dropped, and only becomes an error if the manifest names it as a layer.

import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { isTarHeader, readTar } from '../tar/index.js'
import { ingestTar, normalizeEntryPath, type IngestResult } from '../layer/index.js'
import { concatBytes } from '../_bytes.js'

/** A metadata file (manifest, index, config) is never this large; Docker's are kilobytes. */
export const META_MAX = 4 << 20
/** All metadata kept from one archive, at most. */
const META_TOTAL = 64 << 20

export interface ArchiveItem {
  /** Digest and size of the member's bytes as stored in the archive. */
  digest: Digest
  size: number
  layer?: IngestResult
  /** Why it is not a layer, when something tried to be. */
  notLayer?: string
  bytes?: Uint8Array
}

export const invalid = (msg: string) => new StoreError(Codes.ARCHIVE_INVALID, msg)

export async function readArchive(store: Store, src: AsyncIterable<Uint8Array>): Promise<Map<string, ArchiveItem>> {
  const items = new Map<string, ArchiveItem>()
  const links = new Map<string, string>()
  let meta = 0
  for await (const e of readTar(src)) {
    const path = normalizeEntryPath(e.header.name, 'archive entry')
    if (e.header.type === 'symlink' || e.header.type === 'hardlink') {
      // Old archives link duplicate layers: <id>/layer.tar -> ../<other>/layer.tar.
      const base = e.header.type === 'symlink' ? path.split('/').slice(0, -1) : []
      links.set(path, resolveInArchive(base, e.header.linkname))
      continue
    }
    if (e.header.type !== 'file') continue
    const item = await readItem(store, e.body, e.header.size)
    const hex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(path)?.[1]
    if (hex && item.digest !== `sha256:${hex}`) throw invalid(`archive member ${path} does not match its digest: its content is ${item.digest}`)
    meta += item.bytes?.length ?? 0
    if (meta > META_TOTAL) throw invalid(`archive metadata exceeds ${META_TOTAL >> 20} MiB (at ${path})`)
    items.set(path, item)
  }
  for (const [from, to] of links) {
    const target = items.get(to)
    if (!target) continue
    // A link never stands in for content that was checked: not over a file of the same name,
    // and under a digest's name only to bytes that have that digest.
    if (items.has(from)) throw invalid(`archive member ${from} is both a file and a link`)
    const hex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(from)?.[1]
    if (hex && target.digest !== `sha256:${hex}`) throw invalid(`archive member ${from} links to ${to}, whose content is ${target.digest}`)
    items.set(from, target)
  }
  return items
}

async function readItem(store: Store, body: AsyncIterable<Uint8Array>, size: number): Promise<ArchiveItem> {
  const hasher = store.hash.create()
  const it = body[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let headLen = 0
  while (headLen < Math.min(512, size)) {
    const n = await it.next()
    if (n.done) break
    head.push(n.value)
    headLen += n.value.length
  }
  const first = concatBytes(head)
  hasher.update(first)
  async function* rest(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const n = await it.next()
      if (n.done) return
      hasher.update(n.value)
      yield n.value
    }
  }
  const done = async (extra: Partial<ArchiveItem> = {}): Promise<ArchiveItem> => {
    for await (const _ of rest()) {
      // the rest is hashed, not kept
    }
    return { digest: hasher.digest(), size, ...extra }
  }
  const gzip = first[0] === 0x1f && first[1] === 0x8b
  const tar = first.length >= 512 && isTarHeader(first.subarray(0, 512))
  if (!gzip && !tar && looksLikeJson(first)) {
    if (size > META_MAX) return done()
    const parts: Uint8Array[] = [first]
    for await (const b of rest()) parts.push(b)
    return { digest: hasher.digest(), size, bytes: concatBytes(parts) }
  }
  try {
    const layer = await ingestTar({ cas: store.cas, hash: store.hash, chunker: store.chunker, workers: store.workers }, (async function* () {
      if (first.length) yield first
      yield* rest()
    })())
    return { digest: hasher.digest(), size, layer }
  } catch (e) {
    if (!(e instanceof StoreError)) throw e
    return done({ notLayer: e.message })
  }
}

/** The first non-blank byte opens an object or an array. */
function looksLikeJson(b: Uint8Array): boolean {
  for (const c of b) {
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue
    return c === 0x7b || c === 0x5b
  }
  return false
}

/** Resolve a link target relative to `dir` inside the archive; never above its root. */
function resolveInArchive(dir: string[], target: string): string {
  const out = target.startsWith('/') ? [] : [...dir]
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue
    if (p === '..') {
      if (out.length === 0) throw invalid(`archive link target "${target}" points outside the archive`)
      out.pop()
    } else out.push(p)
  }
  return out.join('/')
}
