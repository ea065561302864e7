// What a layer entry must be for Linux to apply it at all, checked at ingest so an import
// refuses it naming the entry, instead of `create` failing later with a raw error:
//   - its name and link target are valid UTF-8: two names that are not could decode to the same
//     string and merge into one file (store keeps names as strings end to end);
//   - uid and gid are ids Linux has (0 to 2^32-2; -1 means "unchanged" to chown(2));
//   - the mtime is a time utimensat(2) takes: seconds within a signed 64-bit count (Linux
//     refuses 9.3e18 with EINVAL; file systems then clamp what they cannot store);
//   - no name component is longer than NAME_MAX (255 bytes), the path not longer than MAX_PATH;
//   - every xattr name has a namespace the kernel knows (user., trusted., security., system.);
//   - no xattr is one of overlayfs' own markers (trusted.overlay.*, user.overlay.*, and
//     fuse-overlayfs' user.fuseoverlayfs.*): a layer that set `redirect` or `metacopy` on a
//     snapshot file would make overlayfs read another file's bytes (the pool is shared by every
//     image), `opaque` would hide lower layers outside OCI's whiteout rules. Snapshots get such
//     xattrs only from the store itself (whiteouts, opaque dirs, data-only stubs).

import { Codes, StoreError } from '../errors.js'
import type { TarHeader } from '../tar/index.js'

const NAME_MAX = 255
/**
 * A path in a layer, in bytes. Linux's PATH_MAX is 4096 for a whole path; a snapshot's own
 * path on the host comes in front (a store root, `snapshots/<64 hex>.tmp-…/`), so this leaves
 * room for one under 1 KiB.
 */
export const MAX_PATH = 3072
const MAX_ID = 0xfffffffe
/** Seconds as a signed 64-bit time_t holds them (2^63 ≈ 9.22e18); a round bound below it. */
const MAX_SECONDS = 9e18
const XATTR_NAMESPACES = ['user.', 'trusted.', 'security.', 'system.']
/** overlayfs' (and fuse-overlayfs') private xattrs: apply.ts never sets them from a tar either. */
export const OVERLAY_XATTR = /^(trusted\.overlay\.|user\.overlay\.|user\.fuseoverlayfs\.)/

const refuse = (h: TarHeader, why: string) =>
  new StoreError(Codes.LAYER_REFUSED, `tar entry "${shown(h.name)}" cannot be applied on Linux: ${why}`, { data: { path: h.name } })

/** A name as an error shows it: not more than 100 characters. */
const shown = (name: string) => (name.length > 100 ? `${name.slice(0, 97)}...` : name)

/** Bytes of `s` in UTF-8, counted without encoding it (checked for every entry of a layer). */
function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4 // a surrogate pair
      i++
    } else n += 3
  }
  return n
}

export function checkApplicable(h: TarHeader, path: string): void {
  if (h.notUtf8) throw refuse(h, 'its name or link target is not valid UTF-8')
  if (!(h.uid >= 0 && h.uid <= MAX_ID)) throw refuse(h, `uid ${h.uid} is out of range (0 to ${MAX_ID})`)
  if (!(h.gid >= 0 && h.gid <= MAX_ID)) throw refuse(h, `gid ${h.gid} is out of range (0 to ${MAX_ID})`)
  if (!(Math.abs(h.mtime) <= MAX_SECONDS)) throw refuse(h, `its mtime ${h.mtime} is out of range (±${MAX_SECONDS} seconds)`)
  // A UTF-16 unit is at most 3 bytes of UTF-8: most paths need no count at all.
  if (path.length * 3 > NAME_MAX) {
    const len = utf8Length(path)
    if (len > MAX_PATH) throw refuse(h, `its path is ${len} bytes long (at most ${MAX_PATH})`)
    for (const c of path.split('/')) {
      const n = c.length * 3 > NAME_MAX ? utf8Length(c) : 0
      if (n > NAME_MAX) throw refuse(h, `a name in its path is ${n} bytes long (at most ${NAME_MAX})`)
    }
  }
  for (const k of Object.keys(h.xattrs)) {
    if (!XATTR_NAMESPACES.some((ns) => k.startsWith(ns) && k.length > ns.length)) {
      throw refuse(h, `extended attribute ${JSON.stringify(k)} has no namespace Linux knows (${XATTR_NAMESPACES.join(' ')})`)
    }
    if (OVERLAY_XATTR.test(k)) throw refuse(h, `extended attribute ${JSON.stringify(k)} is overlayfs' own marker, which a layer may not set`)
  }
}
