// The loose backing: one file per blob at blobs/sha256/<xx>/<hex>, a 9-byte header then the
// payload. It hands out what is stored (header, then payload whole or streamed); decoding and
// verifying are readBlob.ts's, the same for every backing.

import { open, readFile, stat as fsStat, type FileHandle } from 'node:fs/promises'
import { HEADER_SIZE, readHeader, type Header } from '../codec/index.js'
import type { Digest } from '../digest/digest.js'
import { corrupt, errno, ioError, notFound, type CasContext } from './_context.js'

/** A stored blob, opened: its header, and its payload whole (small blobs) or as a stream. */
export interface StoredBlob {
  header: Header
  /** Bytes in the store, header included. */
  stored: number
  /** The stored bytes (header included), when the blob was small enough to be read whole at open. */
  whole?: Uint8Array
  /** The payload streamed (once), when `whole` is absent. */
  payload(): AsyncIterable<Uint8Array>
  close(): Promise<void>
}

/** Stored bytes (header included) of a blob, read whole; BLOB_NOT_FOUND when absent. */
export async function readLoose(ctx: CasContext, d: Digest): Promise<Uint8Array> {
  const path = ctx.layout.blob(d)
  try {
    return await readFile(path)
  } catch (e) {
    throw errno(e) === 'ENOENT' ? notFound(d) : ioError(e, path, 'read')
  }
}

/** Opens a blob; one read when it is stored in at most `wholeUpTo` bytes. */
export async function openLoose(ctx: CasContext, d: Digest, wholeUpTo: number): Promise<StoredBlob> {
  const path = ctx.layout.blob(d)
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (e) {
    throw errno(e) === 'ENOENT' ? notFound(d) : ioError(e, path, 'open')
  }
  try {
    const stored = (await fh.stat()).size
    const head = stored <= wholeUpTo ? await fh.readFile() : new Uint8Array(HEADER_SIZE)
    if (stored > wholeUpTo) await fh.read(head, 0, HEADER_SIZE, 0)
    const header = parseHeader(d, head)
    const whole = stored <= wholeUpTo ? head : undefined
    const payload = async function* (): AsyncGenerator<Uint8Array> {
      const body = fh.createReadStream({ start: HEADER_SIZE, highWaterMark: 1 << 20, autoClose: false })
      try {
        for await (const b of body) yield b as Uint8Array
      } catch (e) {
        throw ioError(e, path, 'read')
      } finally {
        body.destroy()
      }
    }
    return { header, stored, whole, payload, close: () => fh.close() }
  } catch (e) {
    await fh.close()
    throw errno(e) ? ioError(e, path, 'read') : e
  }
}

/** The header and stored size, reading 9 bytes; undefined when absent. */
export async function statLoose(ctx: CasContext, d: Digest): Promise<{ header: Header; stored: number } | undefined> {
  const path = ctx.layout.blob(d)
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined
    throw ioError(e, path, 'open')
  }
  try {
    const head = new Uint8Array(HEADER_SIZE)
    const [{ bytesRead }, st] = await Promise.all([fh.read(head, 0, HEADER_SIZE, 0), fh.stat()])
    return { header: parseHeader(d, head.subarray(0, bytesRead)), stored: st.size }
  } finally {
    await fh.close()
  }
}

export async function hasLoose(ctx: CasContext, d: Digest): Promise<boolean> {
  const path = ctx.layout.blob(d)
  try {
    await fsStat(path)
    return true
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return false
    throw ioError(e, path, 'stat')
  }
}

/** A header that cannot be read is the blob's corruption, named by its digest. */
export function parseHeader(d: Digest, head: Uint8Array): Header {
  try {
    return readHeader(head)
  } catch (e) {
    throw corrupt(d, (e as Error).message, e)
  }
}
