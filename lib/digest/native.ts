// SHA-256 through node:crypto (OpenSSL; uses the CPU's SHA instructions where present).
// Its own file, reached only by dynamic import, so the digest module stays free of node:.

import { createHash, hash } from 'node:crypto'
import type { Digest } from './digest.js'
import type { HashBackend, Hasher } from './types.js'
import { backgroundHasher } from './_background.js'

// crypto.hash (Node >= 20.12) skips the Hash object: measurably faster for small chunks.
const oneShot: (data: Uint8Array) => string =
  typeof hash === 'function' ? (data) => hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data).digest('hex')

export function createNativeBackend(): HashBackend {
  return {
    name: 'native',
    create(): Hasher {
      const h = createHash('sha256')
      return {
        // A Uint8Array is hashed in place; node:crypto does not copy it.
        update: (data) => void h.update(data),
        digest: (): Digest => `sha256:${h.digest('hex')}`,
      }
    },
    sha256: (data): Digest => `sha256:${oneShot(data)}`,
    background: (workers) => backgroundHasher(workers),
  }
}
