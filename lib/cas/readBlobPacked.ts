// The packed backing: a blob inside packs/<name>.pack, where its pack's index says. One pread
// of the entry (its 36-byte head, then the stored bytes: header and payload, as a loose file
// holds them); the head must name the digest asked for and the index's length, else the index
// and the pack disagree, which is this blob's corruption. Decoding and verifying are
// readBlob.ts's, the same for every backing.

import { HEADER_SIZE, type Header } from '../codec/index.js'
import type { Digest } from '../digest/digest.js'
import { corrupt, errno, ioError, type CasContext } from './_context.js'
import { ENTRY_HEAD_SIZE, readEntryHead } from './_packFormat.js'
import { toHex } from './_packIndex.js'
import type { Located } from './_packSet.js'
import { parseHeader } from './readBlobLoose.js'

/** The pack was removed since its index was loaded (gc repacked it): look again. */
export class PackGone extends Error {
  constructor(readonly pack: string) {
    super(`pack ${pack} is gone`)
  }
}

/** Stored bytes (header included) of the packed blob `d` at `loc`. */
export async function readPacked(ctx: CasContext, d: Digest, loc: Located): Promise<Uint8Array> {
  const entry = await readEntry(ctx, d, loc, ENTRY_HEAD_SIZE + loc.length)
  checkHead(d, loc, entry)
  return entry.subarray(ENTRY_HEAD_SIZE)
}

/** Header and stored size of the packed blob `d` at `loc`, reading 45 bytes. */
export async function statPacked(ctx: CasContext, d: Digest, loc: Located): Promise<{ header: Header; stored: number }> {
  const entry = await readEntry(ctx, d, loc, ENTRY_HEAD_SIZE + Math.min(HEADER_SIZE, loc.length))
  checkHead(d, loc, entry)
  return { header: parseHeader(d, entry.subarray(ENTRY_HEAD_SIZE)), stored: loc.length }
}

/** Checks an entry read for `d` against the digest and the index's length. */
export function checkHead(d: Digest, loc: Located, entry: Uint8Array): void {
  const head = readEntryHead(entry)
  if (toHex(head.digest) !== d.slice(7) || head.length !== loc.length) {
    throw corrupt(d, `pack ${loc.pack.name} holds another entry at offset ${loc.offset} than its index says`)
  }
}

async function readEntry(ctx: CasContext, d: Digest, loc: Located, n: number): Promise<Uint8Array> {
  const path = ctx.layout.pack(loc.pack.name)
  const buf = new Uint8Array(n)
  let got: number
  try {
    got = await ctx.packs.files.use(loc.pack.name, async (fh) => (await fh.read(buf, 0, n, loc.offset)).bytesRead)
  } catch (e) {
    if (errno(e) === 'ENOENT') throw new PackGone(loc.pack.name)
    throw ioError(e, path, 'read')
  }
  if (got < n) throw corrupt(d, `pack ${loc.pack.name} ends inside its entry at offset ${loc.offset}`)
  return buf
}
