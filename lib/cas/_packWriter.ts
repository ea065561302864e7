// Writing packs: entries appended to a temp file in ingest/ (copied into one staging buffer,
// written out per MiB, on
// the calling thread: page-cache writes of a MiB cost well under a millisecond, where an async
// write per blob cost ~0.4 ms of event-loop time each), sealed at PACK_TARGET or at the end of
// the transaction: the pack closed, its index written to a second temp file. Nothing is synced
// here and nothing is visible to readers: publish() (_publish.ts) does that for all the
// transaction's files at once.

import { closeSync, mkdirSync, openSync, unlinkSync, writeFileSync, writevSync } from 'node:fs'
import { errno, ioError, type CasContext } from './_context.js'
import { tempPath } from './_ingest.js'
import { ENTRY_HEAD_SIZE, PACK_ENTRY_MAX, PACK_TARGET, encodeIndex, entryHead, packHeader, type IndexEntries, indexLength } from './_packFormat.js'
import { parseIndex, toHex, type PackIndex } from './_packIndex.js'

/** A pack written and closed, with its index: temp files until published. */
export interface SealedPack {
  index: PackIndex
  packTemp: string
  indexTemp: string
}

/** Staged bytes are written out past this. */
const FLUSH = 1 << 20
/**
 * The staging buffer: a flush's worth and the largest entry. Entries are copied in rather than
 * kept as views: the views held their whole source buffers (a worker's answer for a batch of
 * chunks) alive until a GC, which V8 runs late for memory outside its heap (tens of MiB).
 */
const STAGING = FLUSH + ENTRY_HEAD_SIZE + PACK_ENTRY_MAX

export class PackWriter {
  readonly sealed: SealedPack[] = []
  private path: string | undefined
  private fd = -1
  private written = 0
  /** Made when the first pack is opened. */
  private staging: Uint8Array | undefined
  private staged = 0
  private entries = emptyEntries(1024)
  /** Every temp file made, for abort(). */
  private temps: string[] = []

  constructor(private readonly ctx: CasContext) {}

  /** Bytes in the pack being written (0 when none is open). */
  get size(): number {
    return this.written + this.staged
  }

  /** Appends a blob: `digest` (32 bytes), then its stored bytes (header and payload) in `parts`. */
  append(digest: Uint8Array, parts: Uint8Array[]): void {
    if (this.fd < 0) this.open()
    let length = 0
    for (const p of parts) length += p.length
    this.remember(digest, this.size, length, parts[0]?.[0] ?? 0)
    const head = entryHead(digest, length)
    const staging = this.staging!
    if (this.staged + ENTRY_HEAD_SIZE + length > staging.length) this.flush()
    if (ENTRY_HEAD_SIZE + length > staging.length) this.writeOut([head, ...parts]) // larger than any entry made here
    else {
      staging.set(head, this.staged)
      this.staged += ENTRY_HEAD_SIZE
      for (const p of parts) {
        staging.set(p, this.staged)
        this.staged += p.length
      }
      if (this.staged >= FLUSH) this.flush()
    }
    if (this.size >= PACK_TARGET) this.seal()
  }

  /** Closes the pack being written (if any) and writes its index. */
  seal(): void {
    if (this.fd < 0) return
    const pack = this.path!
    this.flush()
    closeSync(this.fd)
    this.fd = -1
    this.path = undefined
    const bytes = encodeIndex(this.entries, (b) => Buffer.from(this.ctx.hash.sha256(b).slice(7), 'hex'))
    const name = toHex(bytes.subarray(bytes.length - 32))
    const indexTemp = `${pack}.idx`
    this.temps.push(indexTemp)
    try {
      writeFileSync(indexTemp, bytes, { flag: 'wx', mode: 0o644 })
    } catch (e) {
      throw ioError(e, indexTemp)
    } finally {
      this.entries = emptyEntries(1024)
    }
    this.sealed.push({ index: parseIndex(bytes, name), packTemp: pack, indexTemp })
  }

  /** Removes every temp file this writer made; never throws (the original error matters). */
  abort(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd)
      } catch {}
      this.fd = -1
    }
    for (const f of this.temps.splice(0)) {
      try {
        unlinkSync(f)
      } catch {}
    }
    this.sealed.length = 0
    this.staged = 0
  }

  private open(): void {
    const path = tempPath(this.ctx, 'pack')
    try {
      try {
        this.fd = openSync(path, 'wx', 0o644)
      } catch (e) {
        if (errno(e) !== 'ENOENT') throw e
        mkdirSync(this.ctx.layout.ingestDir, { recursive: true })
        this.fd = openSync(path, 'wx', 0o644)
      }
    } catch (e) {
      throw ioError(e, path, 'open')
    }
    this.path = path
    this.temps.push(path)
    this.written = 0
    const header = packHeader()
    ;(this.staging ??= new Uint8Array(STAGING)).set(header)
    this.staged = header.length
  }

  /** Writes out what is staged. */
  private flush(): void {
    const n = this.staged
    this.staged = 0
    if (n > 0) this.writeOut([this.staging!.subarray(0, n)])
  }

  /** Writes `parts` at the end of the pack, looping over short writes. */
  private writeOut(parts: Uint8Array[]): void {
    let left = 0
    for (const p of parts) left += p.length
    try {
      while (left > 0) {
        const n = writevSync(this.fd, parts, this.written)
        if (n === 0) throw new Error(`short write at byte ${this.written}`)
        this.written += n
        left -= n
        parts = rest(parts, n)
      }
    } catch (e) {
      throw ioError(e, this.path!)
    }
  }

  private remember(digest: Uint8Array, offset: number, length: number, first: number): void {
    let e = this.entries
    if (e.count === e.offsets.length) {
      const bigger = emptyEntries(e.count * 2)
      bigger.digests.set(e.digests)
      bigger.offsets.set(e.offsets)
      bigger.lengths.set(e.lengths)
      bigger.count = e.count
      this.entries = e = bigger
    }
    e.digests.set(digest.subarray(0, 32), e.count * 32)
    e.offsets[e.count] = offset
    e.lengths[e.count] = indexLength(length, first)
    e.count++
  }
}

function emptyEntries(n: number): IndexEntries {
  return { count: 0, digests: new Uint8Array(n * 32), offsets: new Uint32Array(n), lengths: new Uint32Array(n) }
}

/** `parts` without their first `n` bytes. */
function rest(parts: Uint8Array[], n: number): Uint8Array[] {
  let i = 0
  while (i < parts.length && n >= parts[i].length) n -= parts[i++].length
  return i < parts.length ? [parts[i].subarray(n), ...parts.slice(i + 1)] : []
}
