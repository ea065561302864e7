// The reflink form: a snapshot's regular file is a clone of its pool file (FICLONE): an inode of
// its own with the entry's owner, mode, times and xattrs, sharing the pool file's extents, so
// its bytes are on disk once. Any reader, and every driver, sees a plain file. Only on file
// systems that clone (btrfs, XFS with reflink=1, bcachefs); the probe decides.

import { closeSync, constants as C, copyFileSync, openSync } from 'node:fs'
import { placeCopy, setMeta, type PlaceFile } from './_sink.js'

export const placeClone: PlaceFile = async (ctx, abs, rel, h, owner, content) => {
  if (h.size === 0) return placeCopy(ctx, abs, rel, h, owner, content)
  const s = await ctx.batch.stage(content, h.size, h.name)
  ctx.batch.name(s.path, ctx.layout.poolFile(s.hex))
  // EXCL: the path was just cleared; a link made there since fails instead of being followed.
  // FICLONE_FORCE: a copy would silently undo the sharing; fail instead (the probe said it works).
  copyFileSync(s.path, abs, C.COPYFILE_EXCL | C.COPYFILE_FICLONE_FORCE)
  const fd = openSync(abs, C.O_RDONLY | C.O_NOFOLLOW)
  try {
    setMeta(fd, h, owner)
  } finally {
    closeSync(fd)
  }
  return { ref: { hex: s.hex } }
}
