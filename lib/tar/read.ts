// The streaming reader. Entries come in order; each keeps the exact bytes of its header blocks
// and padding, and the trailer is streamed to whoever asks for it, so an archive can be rebuilt
// byte for byte. Memory: one entry's header blocks (extension data capped at MAX_EXTENSION)
// plus whatever chunk the input is on; content and trailer pass through as views of the input
// chunks (a trailer of a GiB of zeros is never held).
//
// The archive ends at the first all-zero block where a header is due; that block and every
// byte after it form the trailer. It also ends, with an empty trailer, when the input stops
// cleanly after an entry's padding (umoci writes layers without end-of-archive blocks).

import type { TarHeader, TarReadEntry, TarReader, TarReadOptions } from './types.js'
import { BLOCK, concat, isZero, padLength } from './_fields.js'
import { ByteSource } from './_source.js'
import { HeaderDecoder } from './decode.js'
import { truncated } from './_errors.js'

const EMPTY = new Uint8Array(0)

export function readTar(src: AsyncIterable<Uint8Array>, opts: TarReadOptions = {}): TarReader {
  return new Reader(src, opts)
}

class Reader implements TarReader {
  private readonly src: ByteSource
  private started = false

  constructor(src: AsyncIterable<Uint8Array>, private readonly opts: TarReadOptions) {
    this.src = new ByteSource(src)
  }

  [Symbol.asyncIterator](): AsyncIterator<TarReadEntry> {
    if (this.started) throw new Error('readTar(): an archive can be iterated only once')
    this.started = true
    return this.entries()
  }

  /** Hands the trailer (`head`, then the rest of the input) to the consumer, or reads it past. */
  private async trailer(head: Uint8Array[]): Promise<void> {
    const src = this.src
    async function* rest(): AsyncGenerator<Uint8Array> {
      for (const h of head) if (h.length > 0) yield h
      for (let c = await src.chunk(Infinity); c.length > 0; c = await src.chunk(Infinity)) yield c
    }
    if (this.opts.trailer) await this.opts.trailer(rest())
    await src.skip(Infinity) // whatever the consumer left
  }

  private async *entries(): AsyncGenerator<TarReadEntry> {
    const src = this.src
    let prev: Entry | undefined
    try {
      for (;;) {
        if (prev) await prev.finish()
        const start = src.offset
        const first = await src.read(BLOCK)
        if (first.length < BLOCK || isZero(first)) {
          if (!isZero(first)) throw truncated('header cut short', { offset: start })
          await this.trailer([first])
          return
        }
        const d = new HeaderDecoder()
        const parts: Uint8Array[] = []
        let block = first
        let at = start
        for (;;) {
          parts.push(block)
          const ext = d.begin(block, at)
          if (ext === undefined) break
          const want = ext + padLength(ext)
          const data = await src.read(want)
          if (data.length < want) throw truncated('extension header data cut short', { offset: at, name: d.name() })
          d.extension(block, data.subarray(0, ext), at)
          parts.push(data)
          at = src.offset
          block = await src.read(BLOCK)
          if (d.globalsOnly && isZero(block)) {
            // Global headers with no entry after them: part of the trailer.
            await this.trailer([...parts, block])
            return
          }
          if (block.length < BLOCK) throw truncated('no entry header after an extension header', { offset: at, name: d.name() })
        }
        prev = new Entry(src, d.finish(block, at), concat(parts), start)
        yield prev
      }
    } finally {
      // Ended, stopped early (break) or failed: let the input go.
      await src.close()
    }
  }
}

class Entry implements TarReadEntry {
  readonly body: AsyncIterable<Uint8Array>
  private left: number
  private pad?: Uint8Array
  private skipped = false

  constructor(
    private readonly src: ByteSource,
    readonly header: TarHeader,
    readonly headerBytes: Uint8Array,
    private readonly offset: number,
  ) {
    this.left = header.size
    if (header.size === 0) this.pad = EMPTY
    const next = () => this.next()
    this.body = { [Symbol.asyncIterator]: () => ({ next }) }
  }

  padding(): Uint8Array {
    if (this.pad === undefined) throw new Error(`tar entry "${this.header.name}": padding() is known once the body is consumed`)
    return this.pad
  }

  private async next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.skipped) throw new Error(`tar entry "${this.header.name}": body read after the reader moved on`)
    if (this.left === 0) {
      await this.readPadding()
      return { done: true, value: undefined }
    }
    const c = await this.src.chunk(this.left)
    if (c.length === 0) throw this.cut()
    this.left -= c.length
    // Read the padding along with the last piece, so padding() is valid as soon as the
    // consumer has seen size bytes, whether or not it asks for the end of the stream.
    if (this.left === 0) await this.readPadding()
    return { done: false, value: c }
  }

  /** Skip what the consumer left unread, through the padding. */
  async finish(): Promise<void> {
    if (this.left > 0) {
      this.skipped = true
      const n = await this.src.skip(this.left)
      this.left -= n
      if (this.left > 0) throw this.cut()
    }
    await this.readPadding()
  }

  private async readPadding(): Promise<void> {
    if (this.pad !== undefined) return
    const n = padLength(this.header.size)
    const p = await this.src.read(n)
    if (p.length < n) throw truncated('padding cut short', { offset: this.offset, name: this.header.name })
    this.pad = p
  }

  private cut() {
    return truncated(`content cut short (${this.left} of ${this.header.size} bytes missing)`, { offset: this.offset, name: this.header.name })
  }
}
