// Resolve in root: every read or write of image content on the host goes through here.
export type { EntryKind, ResolveOptions, Resolved, RootFs, TreeFs } from './types.js'
export { MAX_LINKS, resolveInRoot, resolveParent } from './resolveInRoot.js'
export { hostTree } from './hostTree.js'
export { DirFd } from './dirFd.js'
export { TreeReader } from './treeReader.js'
export { byteOrder } from './_order.js'
export { readInRoot } from './readInRoot.js'
