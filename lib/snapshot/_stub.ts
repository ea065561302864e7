// The data-only form: a regular file becomes a metadata-only stub, a sparse file of the entry's
// size with its owner, mode and times (its own xattrs are set beside), plus overlayfs'
// `metacopy` (data elsewhere) and `redirect` (where: a path in the pool, which the overlay
// driver mounts as a data-only lower). The stub takes an inode and no data block; the bytes are
// in the pool once, whatever the file's name, owner, mode or mtime.
// Verified on kernel 6.18: reads come from the pool file, a write copies the whole file up and
// leaves the pool file untouched (the container mount does not enable metacopy, so copy-up is
// never metadata-only and the upper dir holds whole files, as before).

import { ftruncateSync, lstatSync } from 'node:fs'
import { poolRedirect } from '../layout.js'
import { Codes, StoreError } from '../errors.js'
import { createAt, placeCopy, setMeta, type PlaceContext, type PlaceFile } from './_sink.js'

export const placeStub: PlaceFile = async (ctx, abs, rel, h, owner, content) => {
  if (h.size === 0) return placeCopy(ctx, abs, rel, h, owner, content) // nothing to share
  const s = await ctx.batch.stage(content, h.size, h.name)
  const window = aliasWindow(ctx, s.hex)
  createAt(abs, (fd) => {
    ftruncateSync(fd, h.size)
    setMeta(fd, h, owner)
  })
  return { xattrs: stubXattrs(ctx.overlayPrefix, s.hex, window), ref: { hex: s.hex, ...(window ? { window } : {}) } }
}

export function stubXattrs(prefix: string, hex: string, window: number): Record<string, Uint8Array> {
  return { [`${prefix}metacopy`]: new Uint8Array(0), [`${prefix}redirect`]: new TextEncoder().encode(poolRedirect(hex, window)) }
}

/**
 * The redirect window of `hex`: the first alias that is free or already names this content
 * (layout.ts poolRedirect). The full pool name and the alias are linked at commit.
 */
export function aliasWindow(ctx: PlaceContext, hex: string): number {
  const full = ctx.layout.poolFile(hex)
  const from = ctx.batch.locate(hex)!
  ctx.batch.name(from, full)
  for (let w = 0; w < 3; w++) {
    const alias = ctx.layout.poolAlias(hex, w)
    const there = ctx.batch.has(alias)
    if (there === undefined) {
      ctx.batch.name(full, alias)
      return w
    }
    if (there === full || there === from || sameFile(there, full)) return w
  }
  throw new StoreError(Codes.LAYER_CORRUPT, `pool: the three redirect names of content ${hex} are taken by other content`)
}

function sameFile(a: string, b: string): boolean {
  try {
    return lstatSync(a).ino === lstatSync(b).ino
  } catch {
    return false
  }
}
