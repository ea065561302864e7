// The hard-link form: a snapshot's regular file is a hard link to a pool file that carries the
// entry's metadata too, pool/<2 hex>/<sha256>.<key>, the key naming owner, mode, mtime, xattrs
// and the path. Every reader and driver sees a plain file (read-only lowers: a write copies it
// up). Content is shared only between entries equal in all of that: the same file of an image
// built twice, a base re-imported. Why the path is in the key: a shared inode at two paths of
// one image would be a hard link the layer never had (`store export` would write it as one).

import { closeSync, constants as C, copyFileSync, linkSync, openSync } from 'node:fs'
import { createHash } from 'node:crypto'
import type { TarHeader } from '../tar/index.js'
import { placeCopy, setMeta, type Owner, type PlaceFile } from './_sink.js'
import { knownHex } from './_poolBatch.js'

export const placeLink: PlaceFile = async (ctx, abs, rel, h, owner, content) => {
  if (h.size === 0) return placeCopy(ctx, abs, rel, h, owner, content)
  const key = metaKey(h, rel, owner)
  const single = knownHex(content, h.size)
  const known = single && ctx.batch.has(ctx.layout.poolVariant(single, key))
  if (known) {
    await content.discard()
    linkSync(known, abs)
    return { ref: { hex: single, key } }
  }
  const s = await ctx.batch.stage(content, h.size, h.name)
  const variant = ctx.layout.poolVariant(s.hex, key)
  const there = ctx.batch.has(variant)
  if (there) {
    linkSync(there, abs)
    return { ref: { hex: s.hex, key } }
  }
  // The staged temp becomes this variant when nothing else uses it; else a copy does. Without
  // root a file whose mode denies its owner reading could not be copied from later: copy now.
  let src = s.path
  if (!(s.fresh && ctx.batch.claim(s.path) && (process.getuid?.() === 0 || h.mode & 0o400))) {
    src = ctx.batch.newTemp()
    copyFileSync(s.path, src, C.COPYFILE_EXCL)
  }
  const fd = openSync(src, C.O_RDONLY | C.O_NOFOLLOW)
  try {
    setMeta(fd, h, owner)
  } finally {
    closeSync(fd)
  }
  linkSync(src, abs)
  ctx.batch.name(src, variant)
  return { ref: { hex: s.hex, key } }
}

/** 16 hex digits for what a shared inode shows besides its bytes, and where it may appear. */
export function metaKey(h: TarHeader, rel: string, owner: Owner): string {
  const own = owner ? `${owner.uid}:${owner.gid}` : 'self'
  const xattrs = Object.keys(h.xattrs).sort().map((k) => `${k}=${Buffer.from(h.xattrs[k]).toString('hex')}`)
  return createHash('sha256').update(JSON.stringify([rel, own, h.mode & 0o7777, h.mtime, xattrs])).digest('hex').slice(0, 16)
}
