// Content-defined chunking (FastCDC with normalized chunking). Cut points depend only on the
// bytes, never on how the input was split into pushes. Two implementations with identical cut
// points: a plain TypeScript reference and a WebAssembly core (the default).

export type ChunkerImplName = 'wasm' | 'ts'

export interface ChunkerOptions {
  /** Minimum chunk size in bytes (default 16 KiB). */
  min: number
  /** Target average chunk size in bytes, a power of two (default 64 KiB). */
  avg: number
  /** Maximum chunk size in bytes (default 256 KiB). */
  max: number
}

export const DEFAULT_CHUNKER_OPTIONS: ChunkerOptions = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 }

/**
 * A streaming chunker for ONE input (one file's content). Lifecycle: push()* then end().
 * Every returned chunk is a Uint8Array the caller may keep (it is never overwritten later);
 * the caller must not modify a buffer after pushing it.
 */
export interface Chunker {
  /** Feed bytes; returns the chunks completed so far (possibly none). */
  push(data: Uint8Array): Uint8Array[]
  /** End of input: returns the final chunk if bytes remain (empty input gives no chunk). */
  end(): Uint8Array[]
}

export interface ChunkerImpl {
  readonly name: ChunkerImplName
  create(opts?: Partial<ChunkerOptions>): Chunker
  /** Cut lengths of a whole buffer, for tests and benchmarks. */
  cuts(data: Uint8Array, opts?: Partial<ChunkerOptions>): number[]
}
