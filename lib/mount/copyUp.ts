// Docker's copy-up: when an EMPTY volume is mounted over a folder the image has, the image's
// files there are copied into the volume first (moby copyExistingContents), with their modes,
// owners, times, symlinks, hard links and xattrs, and the volume's root takes the folder's
// owner and mode. Never for bind mounts, and not with `nocopy`: the caller decides that.
//
// GNU `cp -a` does the copy: it handles every file type (device nodes and fifos included, which
// Node cannot create) and xattrs, and is always present where containers run.

import { execFile } from 'node:child_process'
import { lstat, readdir } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'

/**
 * Copies srcDir's content into volumeDataDir when srcDir is a real directory (a symlink is not
 * followed: resolve it inside the container's root first) and volumeDataDir is empty.
 * Returns whether it copied.
 */
export async function copyImageContentIntoVolume(srcDir: string, volumeDataDir: string): Promise<boolean> {
  const src = await lstat(srcDir).catch(() => undefined)
  if (!src?.isDirectory()) return false
  if ((await readdir(volumeDataDir)).length > 0) return false
  await new Promise<void>((resolve, reject) => {
    // -T: copy srcDir onto volumeDataDir itself (its content, and its owner/mode/times on the root).
    execFile('cp', ['-a', '-T', '--', srcDir, volumeDataDir], (err, _out, stderr) => {
      if (!err) return resolve()
      reject(new StoreError(Codes.VOLUME_COPY_FAILED, `copying image content into volume: ${String(stderr).trim() || err.message}`, {
        data: { src: srcDir, dest: volumeDataDir },
        cause: err,
      }))
    })
  })
  return true
}
