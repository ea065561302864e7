// Streaming tar codec (pure: no node: imports). See types.ts for the vocabulary.

export type { TarEntryType, TarHeader, TarReadEntry, TarReader, TarReadOptions, TarWriteOptions } from './types.js'
export { readTar } from './read.js'
export { encodeHeader, padding, END_OF_ARCHIVE } from './encode.js'
export { parseHeaderBytes } from './decode.js'
export { checksumOk as isTarHeader } from './_fields.js'
export { writeTar, type TarWriteEntry } from './write.js'
