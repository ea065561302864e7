// Byte helpers shared by the pure modules (no node: imports).

/** One buffer holding `parts` in order; a single part is returned as is (no copy). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  bytesInto(parts, out)
  return out
}

/** `parts` copied in order to the start of `out` (which must hold them); returns their length. */
export function bytesInto(parts: readonly Uint8Array[], out: Uint8Array): number {
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return o
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Whether `b` is valid UTF-8. */
export function isUtf8(b: Uint8Array): boolean {
  try {
    strictUtf8.decode(b)
    return true
  } catch {
    return false
  }
}

/** Bytes of a base64 string (the WebAssembly modules are shipped so; no Buffer needed). */
export function decodeBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
}
