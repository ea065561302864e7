// Portable codec: fflate (pure JavaScript), synchronous on the calling thread.

import { deflateSync, inflateSync, type DeflateOptions } from 'fflate'
import { defineCodec } from './_codec.js'
import type { Codec } from './types.js'

export const fflateCodec: Codec = defineCodec({
  name: 'fflate',
  deflate: async (data, level) => deflateSync(data, { level: Math.min(9, level) as DeflateOptions['level'] }),
  inflate: async (payload, size) => {
    // One byte of slack: fflate silently drops output past a given buffer, so an overlong
    // stream would otherwise look exactly `size` long.
    return inflateSync(payload, { out: new Uint8Array(size + 1) })
  },
})
