// Generated archives for the memory scenarios (bench/) and their regression specs (spec/):
// streamed, never whole in memory, deterministic for a given seed.
//   manyEntriesTar: n entries (empty files and a few bytes, 100 per folder), end marker.
//   noisyEntriesTar: n entries each carrying an xattr of random bytes: an index that no
//                    compressor shrinks (the >1 MiB stored index of issue 11).
//   trailerBombTar: one small entry, then the end marker followed by `zeros` zero bytes.

import { encodeHeader, END_OF_ARCHIVE, padding, type TarHeader } from '../lib/tar/index.js'

const enc = new TextEncoder()

function hdr(name: string, over: Partial<TarHeader> = {}): TarHeader {
  return { name, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size: 0, mtime: 1_700_000_000, linkname: '', devmajor: 0, devminor: 0, xattrs: {}, ...over }
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Batches small pieces into ~1 MiB reads, as a file read would hand them out. */
async function* batched(parts: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf: Uint8Array[] = []
  let n = 0
  for (const p of parts) {
    buf.push(p)
    n += p.length
    if (n >= 1 << 20) {
      yield Buffer.concat(buf)
      buf = []
      n = 0
    }
  }
  if (n > 0) yield Buffer.concat(buf)
}

function* manyEntries(n: number, seed: number): Generator<Uint8Array> {
  const rnd = prng(seed)
  for (let i = 0; i < n; i++) {
    if (i % 100 === 0) yield encodeHeader(hdr(`d${Math.floor(i / 100)}/`, { type: 'dir', mode: 0o755 }))
    // Every fourth file has a few bytes of content: one chunk each, most of them distinct.
    const data = i % 4 === 0 ? enc.encode(`${i} ${rnd().toString(36)}\n`) : new Uint8Array(0)
    yield encodeHeader(hdr(`d${Math.floor(i / 100)}/f${i}`, { size: data.length }))
    if (data.length > 0) {
      yield data
      yield padding(data.length)
    }
  }
  yield END_OF_ARCHIVE
}

export const manyEntriesTar = (n: number, seed = 42) => batched(manyEntries(n, seed))

function* noisyEntries(n: number, seed: number, xattrBytes: number): Generator<Uint8Array> {
  const rnd = prng(seed)
  for (let i = 0; i < n; i++) {
    const noise = new Uint8Array(xattrBytes)
    for (let j = 0; j < noise.length; j++) noise[j] = (rnd() * 256) | 0
    yield encodeHeader(hdr(`noise/${i}`, { xattrs: { 'user.noise': noise } }))
  }
  yield END_OF_ARCHIVE
}

export const noisyEntriesTar = (n: number, seed = 42, xattrBytes = 600) => batched(noisyEntries(n, seed, xattrBytes))

export async function* trailerBombTar(zeros: number): AsyncGenerator<Uint8Array> {
  const data = enc.encode('before the bomb\n')
  yield Buffer.concat([encodeHeader(hdr('hello.txt', { size: data.length })), data, padding(data.length), END_OF_ARCHIVE])
  const block = new Uint8Array(1 << 20)
  for (let left = zeros; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left)
}
