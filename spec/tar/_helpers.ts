// Shared by the tar specs: inputs split at random byte boundaries, and re-assembly of an
// archive from what the reader hands out.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readTar, type TarHeader } from '../../lib/tar/index.js'

/** Deterministic PRNG (mulberry32), so a failing split can be replayed from its seed. */
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

/** Chunks of random sizes: some of 1–16 bytes, most up to 600, a few up to 70 000. */
export async function* randomSplits(buf: Uint8Array, seed: number): AsyncGenerator<Uint8Array> {
  const rnd = prng(seed)
  let i = 0
  while (i < buf.length) {
    const r = rnd()
    const max = r < 0.15 ? 16 : r < 0.8 ? 600 : 70_000
    const n = 1 + Math.floor(rnd() * max)
    yield buf.subarray(i, i + n)
    i += n
  }
}

export async function* whole(buf: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buf
}

export interface ReadBack {
  entries: { header: TarHeader; headerBytes: Uint8Array; body: Buffer; padding: Uint8Array }[]
  trailer: Uint8Array
  /** concat(headerBytes, body, padding for each entry) + trailer. */
  bytes: Buffer
}

export async function readAll(src: AsyncIterable<Uint8Array>): Promise<ReadBack> {
  const tail: Uint8Array[] = []
  const reader = readTar(src, {
    trailer: async (t) => {
      for await (const b of t) tail.push(b.slice())
    },
  })
  const entries: ReadBack['entries'] = []
  const parts: Uint8Array[] = []
  for await (const e of reader) {
    const body: Uint8Array[] = []
    for await (const c of e.body) body.push(c)
    const b = Buffer.concat(body)
    entries.push({ header: e.header, headerBytes: e.headerBytes, body: b, padding: e.padding() })
    parts.push(e.headerBytes, b, e.padding())
  }
  const trailer = new Uint8Array(Buffer.concat(tail))
  parts.push(trailer)
  return { entries, trailer, bytes: Buffer.concat(parts) }
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'store-tar-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export function hdr(name: string, over: Partial<TarHeader> = {}): TarHeader {
  return {
    name, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size: 0, mtime: 1700000000,
    linkname: '', devmajor: 0, devminor: 0, xattrs: {}, ...over,
  }
}

export async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of src) parts.push(c)
  return Buffer.concat(parts)
}
