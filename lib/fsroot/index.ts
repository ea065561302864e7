// Resolve in root: every read or write of image content on the host goes through here.
export type { EntryKind, ResolveOptions, Resolved, RootFs, TreeFs } from './types.js'
export { MAX_LINKS, resolveInRoot, resolveParent } from './resolve.js'
export { hostTree } from './host.js'
export { DirFd } from './dirfd.js'
export { TreeReader } from './reader.js'
export { byteOrder } from './_order.js'
