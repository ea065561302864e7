// The pure tier, as one entry (`@store-oci/store/formats`): content-defined chunking, digests,
// codecs, tar, and the Dockerfile, .dockerignore, mount-spec and image-reference parsers. No
// module reachable from here imports `node:` statically (spec/api/formats.test.ts walks the
// graph), so it runs unchanged under Node, Deno and in a browser. Where Node is there, the
// loaders pick its native backends (node:crypto, node:zlib) by dynamic import; elsewhere the
// WebAssembly and JavaScript ones (hash-wasm, fflate, a WebAssembly zstd).

export { StoreError, isStoreError, Codes, type StoreErrorOptions } from './errors.js'

export {
  loadChunker,
  DEFAULT_CHUNKER_OPTIONS,
  type Chunker,
  type ChunkerImpl,
  type ChunkerImplName,
  type ChunkerOptions,
} from './chunk/index.js'

export {
  loadHashBackend,
  initHashing,
  sha256,
  isDigest,
  parseDigest,
  hexOf,
  shortId,
  type Digest,
  type Hasher,
  type HashBackend,
  type HashBackendName,
} from './digest/index.js'

export { loadCodec, type Codec, type CodecBackendName, type Encoding } from './codec/index.js'

export {
  readTar,
  writeTar,
  type TarEntryType,
  type TarHeader,
  type TarReadEntry,
  type TarReader,
  type TarReadOptions,
  type TarWriteEntry,
  type TarWriteOptions,
} from './tar/index.js'

export { parseDockerfile, parseDockerignore, createIgnoreMatcher, type IgnoreMatcher, type IgnorePattern } from './build/parser/index.js'
export type { Dockerfile, Instruction, Stage } from './build/parser/index.js'

export { parseMount, parseVolume, parseTmpfs, type MountSpec } from './mount/parse.js'

export { parseReference, tagged, type Reference } from './reference.js'

/** `--filter key=value` as Docker reads and checks it, and the keys every prune takes. */
export { parseFilters, PRUNE_FILTERS, type Filters } from './filters.js'

/** A size as Docker's flags take it (`64m`, `1.5g`, `512k`: go-units RAMInBytes), in bytes. */
export { ramInBytes } from './_sizes.js'

/** Sizes and times as Docker prints them (`1.98MB`, `2 hours ago`). */
export { humanSize, timeAgo } from './units.js'
