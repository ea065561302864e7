// Streaming tar: ustar, PAX (long names, large sizes, uid/gid, fractional mtime, xattrs) and GNU
// long names/links. The reader keeps the exact bytes of every header (extension headers
// included), of every entry's padding and of the archive's trailer, so an archive can be
// rebuilt byte for byte from them plus the entries' contents.

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo'

/** Entry metadata after applying PAX / GNU extension headers. */
export interface TarHeader {
  /** Path as stored (no leading "./" removal or normalisation; see layer/ for that). */
  name: string
  type: TarEntryType
  /** Permission bits and setuid/setgid/sticky (07777). */
  mode: number
  uid: number
  gid: number
  uname: string
  gname: string
  /**
   * Content size in bytes: the length of the body that follows the header. 0 for everything
   * but regular files (and GNU dumpdirs, typeflag 'D', read as folders with a body).
   */
  size: number
  /** Seconds since the epoch; may carry a fraction (from PAX mtime). */
  mtime: number
  /** Target of a symlink or hardlink. */
  linkname: string
  devmajor: number
  devminor: number
  /** Extended attributes from PAX `SCHILY.xattr.*` records (values as raw bytes). */
  xattrs: Record<string, Uint8Array>
  /** Set when the name or link target is not valid UTF-8 (then decoded with U+FFFD). */
  notUtf8?: true
}

/** One entry from the reader. Its body must be consumed or skipped before the next entry. */
export interface TarReadEntry {
  header: TarHeader
  /**
   * Exact bytes of all header blocks of this entry (PAX/GNU extension blocks + main header).
   * A global PAX header ('g') before the entry is kept here too; its records are not applied
   * to any header, so parseHeaderBytes(headerBytes) always equals `header`.
   */
  headerBytes: Uint8Array
  /** The content, streamed (size bytes, without padding). */
  body: AsyncIterable<Uint8Array>
  /**
   * Padding bytes after the content (to a 512 boundary). Valid once the body is consumed;
   * usually all zero.
   */
  padding(): Uint8Array
}

/**
 * The reader returned by readTar(): iterate it once for the entries (each entry's body is
 * skipped if not consumed before the next one is asked for). The concatenation of
 * (headerBytes, body, padding()) of all entries plus the trailer is the input, byte for byte.
 */
export type TarReader = AsyncIterable<TarReadEntry>

export interface TarReadOptions {
  /**
   * Receives the trailer, streamed: every byte after the last entry's padding (end-of-archive
   * blocks, record padding, whatever follows), as views of the input. Called once, when the
   * entries are over, before iteration ends; what it leaves unread is read past. Without it,
   * the trailer is read past, never held.
   */
  trailer?: (trailer: AsyncIterable<Uint8Array>) => Promise<void>
}

export interface TarWriteOptions {
  /** Force a PAX header even when ustar fields suffice (default: only when needed). */
  forcePax?: boolean
  /**
   * A 512-byte block to write a header that needs no PAX into (returned; its old bytes are
   * overwritten), instead of a new one: a caller that copies the bytes at once allocates no
   * buffer per entry. A header that needs PAX is returned in a new buffer.
   */
  into?: Uint8Array
}
