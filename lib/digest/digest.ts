// The Digest type: "sha256:" + 64 lowercase hex. Validated before it ever becomes a path.

import { Codes, StoreError } from '../errors.js'

export type Digest = `sha256:${string}`

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST_RE.test(s)
}

/** Parse a digest string; throws INVALID_DIGEST naming the input. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) {
    throw new StoreError(Codes.INVALID_DIGEST, `invalid digest: "${s}" (want sha256: and 64 lowercase hex digits)`)
  }
  return s
}

/** The 64 hex characters of a digest (validated). */
export function hexOf(d: Digest): string {
  if (!DIGEST_RE.test(d)) throw new StoreError(Codes.INVALID_DIGEST, `invalid digest: "${d}"`)
  return d.slice(7)
}

export function digestFromHex(hex: string): Digest {
  return parseDigest(`sha256:${hex}`)
}

/** 12-character short ID as shown in listings. */
export function shortId(d: string): string {
  return (d.startsWith('sha256:') ? d.slice(7) : d).slice(0, 12)
}
