// Reading a whole pack front to back, as fsck and repacking do: 4 MiB reads, each entry handed
// out as a view of the block that holds it (an entry cut by a block's end is copied into the
// next block, so a view stays valid while its consumer works on it). One sequential pass,
// whatever the order of the index.

import { open } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import { ioError } from './_context.js'
import { ENTRY_HEAD_SIZE, PACK_ENTRY_MAX, PACK_HEADER_SIZE, isPackHeader, readEntryHead } from './_packFormat.js'

const BLOCK = 4 << 20

export interface ScannedEntry {
  /** Where its head starts in the pack. */
  offset: number
  digest: Uint8Array
  /** The stored bytes (header and payload): a view of the block read. */
  stored: Uint8Array
}

/**
 * Every entry of the pack at `path`, in file order. A pack that is not one, or whose entries
 * stop making sense (a length past PACK_ENTRY_MAX or past the end), ends the scan with
 * PACK_CORRUPT saying where; the entries before it have been handed out.
 */
export async function* scanPack(path: string, name: string): AsyncGenerator<ScannedEntry> {
  const bad = (why: string, at: number) =>
    new StoreError(Codes.PACK_CORRUPT, `pack ${name} ${why} at offset ${at}`, { data: { pack: name, offset: at } })
  let fh
  try {
    fh = await open(path, 'r')
  } catch (e) {
    throw ioError(e, path, 'open')
  }
  try {
    let buf = new Uint8Array(0)
    let have = 0 // bytes of buf holding data
    let base = 0 // pack offset of buf[0]
    let at = 0 // next entry, in buf
    let eof = false
    const more = async () => {
      // A new block starting with the unread tail of the last one, filled up to BLOCK.
      const next = new Uint8Array(BLOCK + PACK_ENTRY_MAX + ENTRY_HEAD_SIZE)
      next.set(buf.subarray(at, have))
      buf = next
      have -= at
      base += at
      at = 0
      while (!eof && have < BLOCK) {
        const { bytesRead } = await fh!.read(buf, have, Math.min(BLOCK, buf.length - have), base + have).catch((e) => {
          throw ioError(e, path, 'read')
        })
        if (bytesRead === 0) eof = true
        have += bytesRead
      }
    }
    await more()
    if (!isPackHeader(buf.subarray(0, have))) throw bad('does not start with a pack header', 0)
    at = PACK_HEADER_SIZE
    for (;;) {
      if (have - at < ENTRY_HEAD_SIZE && !eof) await more()
      if (at === have) return
      if (have - at < ENTRY_HEAD_SIZE) throw bad('ends inside an entry head', base + at)
      const { digest, length } = readEntryHead(buf, at)
      if (length > PACK_ENTRY_MAX) throw bad(`has an entry of ${length} bytes`, base + at)
      if (have - at < ENTRY_HEAD_SIZE + length && !eof) await more()
      if (have - at < ENTRY_HEAD_SIZE + length) throw bad('ends inside an entry', base + at)
      yield { offset: base + at, digest, stored: buf.subarray(at + ENTRY_HEAD_SIZE, at + ENTRY_HEAD_SIZE + length) }
      at += ENTRY_HEAD_SIZE + length
    }
  } finally {
    await fh.close()
  }
}
