// A whole archive as a stream: each entry's header, its content and padding, then the two
// end-of-archive blocks. Content is passed through as given, never gathered.

import { Codes, StoreError } from '../errors.js'
import type { TarHeader, TarWriteOptions } from './types.js'
import { END_OF_ARCHIVE, encodeHeader, padding } from './encode.js'

export interface TarWriteEntry {
  header: TarHeader
  /** Exactly header.size bytes; only regular files have content. */
  body?: AsyncIterable<Uint8Array> | Uint8Array
}

export async function* writeTar(
  entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>,
  opts: TarWriteOptions = {},
): AsyncGenerator<Uint8Array> {
  for await (const { header, body } of entries) {
    yield encodeHeader(header, opts)
    const size = header.type === 'file' ? header.size : 0
    let n = 0
    if (body instanceof Uint8Array) {
      n = body.length
      if (n !== size) throw sizeError(header, n)
      if (n > 0) yield body
    } else if (body) {
      for await (const c of body) {
        n += c.length
        if (n > size) throw sizeError(header, n)
        if (c.length > 0) yield c
      }
      if (n !== size) throw sizeError(header, n)
    } else if (size !== 0) {
      throw sizeError(header, 0)
    }
    if (size % 512) yield padding(size)
  }
  yield END_OF_ARCHIVE
}

function sizeError(h: TarHeader, got: number): StoreError {
  const what = got > h.size ? `more than ${h.size}` : `${got} of ${h.size}`
  return new StoreError(Codes.INVALID_ARGUMENT, `tar entry "${h.name}": content has ${what} bytes`, {
    data: { name: h.name, size: h.size, got },
  })
}
