// Snapshots and the file pool. Vocabulary:
//   snapshot  - one layer extracted once, read-only, at snapshots/<chainID>/: the lowerdir the
//               storage drivers stack (lib/driver/types.ts). A cache: rebuilt from the layer's
//               blobs whenever it is missing.
//   pool      - pool/<2 hex>/<sha256 of the content>: every regular file's content, written once
//               (temp, sync, link), read-only, shared by every snapshot of every image whatever
//               the file's name, owner, mode or mtime.
//   form      - how a snapshot's regular files reach their pool file, chosen per store by probing
//               (lib/driver/probeSharing.ts) and recorded per snapshot in its map:
//                 data-only  a metadata-only stub (a sparse file with the entry's owner, mode,
//                            times and xattrs, plus overlay's metacopy and redirect xattrs);
//                            kernel overlayfs reads its bytes from the pool, mounted as a
//                            data-only lower (`lowerdir=<snapshots>::<pool>`, kernel >= 6.5);
//                 reflink    a clone of the pool file (FICLONE: shared extents, own inode);
//                 hardlink   a hard link to a pool file that also carries the entry's owner,
//                            mode, mtime and xattrs (shared only where all of them, and the
//                            path, are equal: a shared inode at two paths of one image would
//                            show as a hard link the layer never had);
//                 copy       a plain copy, no pool (what every snapshot was before).
//   map       - snapshots/<chainID>.map: the form, the bytes the snapshot's own tree takes, and
//               for each pooled file its path and pool file. Readers that cannot follow a
//               stub's redirect (the merged view, materialisation, gc, fsck) use it. Written
//               before the snapshot dir appears, removed after it went: a snapshot dir that
//               exists always has its map (snapshots of older stores have none: form copy).
//   commit    - a writable layer (a RUN step's container, `store commit`) made its new layer's
//               snapshot directly, as containerd commits an active snapshot (commit.ts): the
//               layer's index applied as an extraction would, its files' bytes taken from the
//               writable layer (inodes linked into the pool, or cloned/copied), not read back
//               from the chunk store.
//   last use  - the map's mtime, set on each container create and build step that uses it:
//               what the snapshot budget evicts by (least recently used first).

export type SharingMethod = 'data-only' | 'reflink' | 'hardlink' | 'copy'

/** Most sharing first: the order the probe tries them in. */
export const SHARING_ORDER: SharingMethod[] = ['data-only', 'reflink', 'hardlink', 'copy']

export interface SharingProbe {
  method: SharingMethod
  ok: boolean
  /** Why it works or not, for `store system info`. */
  reason: string
}

/** Where one pooled file's bytes are: the pool file named by `hex` (and `key`, the hard-link form). */
export interface PoolRef {
  hex: string
  /** Hard-link form only: 16 hex digits naming the metadata the pool file carries. */
  key?: string
  /** Data-only form only: which of the redirect windows (lib/layout.ts poolRedirect) it uses. */
  window?: number
}

export function isSharingMethod(s: string): s is SharingMethod {
  return (SHARING_ORDER as string[]).includes(s)
}
