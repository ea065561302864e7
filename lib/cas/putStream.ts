// putStream(): a stream into the store without holding it in memory. Inputs that end within the
// first MiB take the put() path. Larger ones go to a temp file: 9 bytes are reserved for the
// header, the data is hashed as it passes and written raw or through the codec's stream
// encoder for its encoding (the same encoding put() writes), and the header with the final
// length is written last.

import { concatBytes } from '../_bytes.js'
import { encodeHeader, HEADER_SIZE, readHeader } from '../codec/index.js'
import { hexOf } from '../digest/digest.js'
import { commit, discard, openTemp, writeAll } from './_ingest.js'
import { checkExpected, put, storedSize } from './put.js'
import type { CasContext } from './_context.js'
import type { PutOptions, PutResult } from './types.js'

/** Inputs up to this size are buffered and stored by put(). */
const SMALL = 1 << 20
/** Compressibility of a large input is judged from its first this-many bytes. */
const SAMPLE = 256 << 10

export async function putStream(ctx: CasContext, src: AsyncIterable<Uint8Array>, opts: PutOptions = {}): Promise<PutResult> {
  if (opts.expected !== undefined) hexOf(opts.expected)
  const it = src[Symbol.asyncIterator]()
  let finished = false
  try {
    const head: Uint8Array[] = []
    let headLen = 0
    while (headLen < SMALL) {
      const r = await it.next()
      if (r.done) {
        finished = true
        return await put(ctx, concatBytes(head), opts)
      }
      head.push(r.value)
      headLen += r.value.length
    }
    const first = concatBytes(head)
    // Already-compressed input (a gzipped layer, media) is stored raw: judged from a sample.
    const encoding = opts.compress === false ? 'raw' : readHeader(await ctx.codec.encode(first.subarray(0, SAMPLE))).encoding

    const hasher = ctx.hash.create()
    let size = 0
    async function* hashed(): AsyncGenerator<Uint8Array> {
      hasher.update(first)
      size += first.length
      yield first
      for (;;) {
        const r = await it.next()
        if (r.done) break
        hasher.update(r.value)
        size += r.value.length
        yield r.value
      }
      finished = true
    }

    const t = await openTemp(ctx, 'stream')
    let pos = HEADER_SIZE
    try {
      for await (const b of ctx.codec.encodeStream(encoding, hashed())) pos += await writeAll(t, [b], pos)
      const digest = hasher.digest()
      checkExpected(opts.expected, digest)
      await writeAll(t, [encodeHeader(encoding, size)], 0)
      if (await commit(ctx, t, digest)) return { digest, size, stored: pos, existed: false }
      return { digest, size, stored: (await storedSize(ctx.layout.blob(digest))) ?? pos, existed: true }
    } catch (e) {
      await discard(t)
      throw e
    }
  } finally {
    // Stopped early (an error): let the source release what it holds.
    if (!finished) await it.return?.().catch(() => {})
  }
}
