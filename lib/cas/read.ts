// Reads. Every read verifies: the bytes handed out hash to the digest asked for, or the read
// fails with BLOB_CORRUPT naming the digest. Small blobs are read whole; large ones stream
// (raw, or through a zlib inflate-raw stream) and are checked at the end.

import { open, readFile, stat as fsStat } from 'node:fs/promises'
import { createInflateRaw } from 'node:zlib'
import { pipeline } from 'node:stream'
import { HEADER_SIZE, readHeader } from '../codec/index.js'
import type { Digest } from '../digest/digest.js'
import { corrupt, errno, notFound, type CasContext } from './_context.js'
import type { BlobStat } from './types.js'

/** Blobs stored in at most this many bytes are read whole by getStream(). */
const WHOLE = 1 << 20

export async function get(ctx: CasContext, d: Digest): Promise<Uint8Array> {
  const path = ctx.layout.blob(d)
  let stored: Uint8Array
  try {
    stored = await readFile(path)
  } catch (e) {
    throw errno(e) === 'ENOENT' ? notFound(d) : e
  }
  return verify(ctx, d, stored)
}

async function verify(ctx: CasContext, d: Digest, stored: Uint8Array): Promise<Uint8Array> {
  let data: Uint8Array
  try {
    data = await ctx.codec.decode(stored)
  } catch (e) {
    throw corrupt(d, (e as Error).message, e)
  }
  if (ctx.hash.sha256(data) !== d) throw corrupt(d, 'content does not match its digest')
  return data
}

export async function* getStream(ctx: CasContext, d: Digest): AsyncGenerator<Uint8Array> {
  const path = ctx.layout.blob(d)
  const fh = await open(path, 'r').catch((e) => {
    throw errno(e) === 'ENOENT' ? notFound(d) : e
  })
  try {
    const { size: storedLen } = await fh.stat()
    if (storedLen <= WHOLE) {
      yield await verify(ctx, d, await fh.readFile())
      return
    }
    const head = new Uint8Array(HEADER_SIZE)
    await fh.read(head, 0, HEADER_SIZE, 0)
    let header
    try {
      header = readHeader(head)
    } catch (e) {
      throw corrupt(d, (e as Error).message, e)
    }
    const body = fh.createReadStream({ start: HEADER_SIZE, highWaterMark: 1 << 20, autoClose: false })
    const src = header.encoding === 'deflate' ? pipeline(body, createInflateRaw(), () => {}) : body
    const hasher = ctx.hash.create()
    let n = 0
    try {
      for await (const b of src as AsyncIterable<Uint8Array>) {
        n += b.length
        if (n > header.size) throw corrupt(d, `payload is longer than the ${header.size} bytes its header says`)
        hasher.update(b)
        yield b
      }
    } catch (e) {
      // zlib reports a damaged deflate stream as Z_DATA_ERROR / Z_BUF_ERROR.
      if (errno(e)?.startsWith('Z_')) throw corrupt(d, (e as Error).message, e)
      throw e
    }
    if (n !== header.size) throw corrupt(d, `payload has ${n} bytes, its header says ${header.size}`)
    if (hasher.digest() !== d) throw corrupt(d, 'content does not match its digest')
  } finally {
    await fh.close()
  }
}

export async function stat(ctx: CasContext, d: Digest): Promise<BlobStat | undefined> {
  let fh
  try {
    fh = await open(ctx.layout.blob(d), 'r')
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined
    throw e
  }
  try {
    const head = new Uint8Array(HEADER_SIZE)
    const [{ bytesRead }, st] = await Promise.all([fh.read(head, 0, HEADER_SIZE, 0), fh.stat()])
    try {
      const { encoding, size } = readHeader(head.subarray(0, bytesRead))
      return { digest: d, size, stored: st.size, encoding }
    } catch (e) {
      throw corrupt(d, (e as Error).message, e)
    }
  } finally {
    await fh.close()
  }
}

export async function has(ctx: CasContext, d: Digest): Promise<boolean> {
  const path = ctx.layout.blob(d)
  try {
    await fsStat(path)
    return true
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return false
    throw e
  }
}
