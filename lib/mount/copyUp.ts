// Docker's copy-up: when an EMPTY volume is mounted over a folder the image has, the image's
// files there are copied into the volume first (moby copyExistingContents), with their modes,
// owners, times, symlinks, hard links and xattrs, and the volume's root takes the folder's
// owner and mode. Never for bind mounts, and not with `nocopy`: the caller decides that.
//
// The folder is read through fsroot: fillFromImage() resolves the mount target inside the
// image's merged view (`data -> /host/dir` means the image's own /host/dir) and copies the
// MERGED content of the dir (every layer's files, whiteouts and opaque dirs honoured); the copy
// itself (_copyTree.ts) never follows a symlink, on either side.

import { readdir } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { hostTree, resolveInRoot, type TreeFs } from '../fsroot/index.js'
import { mergedView } from '../driver/index.js'
import { copyTree } from './_copyTree.js'

/** A dir inside a tree: `rel` resolved already. */
export interface TreeDir {
  tree: TreeFs<Stats>
  rel: string
}

/**
 * Copies the source dir's content into volumeDataDir when the source is a real directory (a
 * host path that is a symlink is not followed) and volumeDataDir is empty. Returns whether it
 * copied.
 */
export async function copyImageContentIntoVolume(src: string | TreeDir, volumeDataDir: string): Promise<boolean> {
  const { tree, rel } = typeof src === 'string' ? { tree: hostTree(src), rel: '' } : src
  const e = await tree.entry(rel)
  if (!e?.stat.isDirectory()) return false
  if ((await readdir(volumeDataDir)).length > 0) return false
  await copyTree(tree, rel, e.stat, volumeDataDir)
  return true
}

/** Copy-up from an image: `target` (absolute in the container) resolved inside the merged `lowers` (top-most first). */
export async function copyImageDirIntoVolume(lowers: string[], target: string, volumeDataDir: string): Promise<boolean> {
  const view = mergedView(lowers)
  const r = await resolveInRoot(view, target, { follow: true })
  if (!r.stat?.isDirectory()) return false
  return copyImageContentIntoVolume({ tree: view, rel: r.rel }, volumeDataDir)
}
