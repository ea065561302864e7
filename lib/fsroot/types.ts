// Image content on the host is always reached through "resolve in root": a path inside an image
// (or a build context, a stage, a volume source) is looked up one component at a time, and a
// symlink met on the way is followed with its target read inside the same root, never on the
// host. The algorithm (resolveInRoot.ts) is written once over the small interface below, which two
// backings implement:
//   hostTree(dir)      - a plain host folder (a build context, a snapshot being extracted);
//   mergedView(lowers) - a stack of read-only overlay snapshots seen merged, whiteouts and opaque
//                        dirs honoured, without mounting (driver/view.ts).
// Vocabulary: `rel` is a root-relative path without a leading "/" ('' is the root itself); a
// RESOLVED rel has no symlink among its existing components, so joining it to a host folder
// gives a host path that the kernel walks without following anything the image controls.

/** What the resolver needs to know of an entry: Node's Stats and BigIntStats both fit. */
export interface EntryKind {
  isDirectory(): boolean
  isSymbolicLink(): boolean
}

/** The two operations the resolver uses. Both are asked only for resolved parents. */
export interface RootFs<S extends EntryKind = EntryKind> {
  /** The entry at `rel` itself (a symlink is not followed), or undefined when there is none. */
  lstat(rel: string): Promise<S | undefined>
  /** Target of the symlink at `rel`, verbatim. */
  readlink(rel: string): Promise<string>
}

/** A root that can also be listed and read: what COPY, volume fill and user lookup walk. */
export interface TreeFs<S extends EntryKind = EntryKind> extends RootFs<S> {
  /** Names in the dir at resolved `rel`, sorted by byte order; empty when it is not a dir. */
  list(rel: string): Promise<string[]>
  /**
   * The entry at resolved `rel` and the host path holding it (for reading its content). The
   * path's components are real dirs, so opening it follows nothing the image chose; open it
   * with O_NOFOLLOW all the same. `content`: where a regular file's bytes are when not at
   * `path` (a data-only snapshot's stub redirects to the pool; `path` keeps its metadata and
   * xattrs): read the bytes from there.
   */
  entry(rel: string): Promise<{ stat: S; path: string; content?: string } | undefined>
}

export interface ResolveOptions {
  /** Follow a symlink in the last position too (default false: the link itself is the answer). */
  follow?: boolean
}

export interface Resolved<S extends EntryKind = EntryKind> {
  /** Resolved root-relative path ('' = the root). Missing components are kept as named. */
  rel: string
  /** The entry there (not followed), or undefined when the path does not exist. */
  stat?: S
}
