// What a container's writable layer changed, as the storage drivers find it and a layer records
// it (changesTar). Types only.

/** A change in a container's writable layer, in OCI terms. `path` is relative, no leading "/". */
export type LayerChange =
  // source: host path holding it now (for messages); root: the live tree it is in, so readers
  // reach `path` from `root` without following links (fsroot's TreeReader): source === `${root}/${path}`
  | { kind: 'add' | 'modify'; path: string; source: string; root: string }
  | { kind: 'delete'; path: string } // becomes .wh.<name>
  | { kind: 'opaque'; path: string; source: string; root: string } // dir whose lower children are hidden: dir + .wh..wh..opq
