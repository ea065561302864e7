// The WebAssembly chunker (the default): the cut search runs in lib/chunk/fastcdc.wat, the
// streaming logic is shared with the TypeScript reference (_stream.ts), so cuts are identical.
//
// Input reaches wasm memory through one reusable window: a push is copied segment by segment
// (WINDOW bytes at a time, each byte once) right after the 64 bytes of history a resumed search
// rehashes. One instance serves every chunker: pushes are synchronous, and each push reloads
// the window (CutFinder.begin) so chunkers never see each other's bytes.

import { instantiateWasm, type WasmMemoryExports } from '../_wasm.js'
import { FASTCDC_WASM_BASE64 } from './_fastcdc.wasm.js'
import { gearBytes } from './_gear.js'
import { resolveChunkerOptions, type ResolvedChunkerOptions } from './options.js'
import { HASH_WINDOW, StreamChunker, cutsOf, type CutFinder } from './_stream.js'
import type { ChunkerImpl, ChunkerOptions } from './types.js'

/** Gear tables G0..G3 fill [0, 8192); the history slot and the window follow. */
const WINDOW_AT = 16384
/** 256 KiB: one copy per segment, and the segment stays in L2 while it is scanned. */
const WINDOW = 256 * 1024

interface FastcdcExports extends WasmMemoryExports {
  init(): void
  find(base: number, s: number, from: number, end: number, avg: number, sLo: number, sHi: number, lLo: number, lHi: number): number
}

class WasmFinder implements CutFinder {
  private seg: Uint8Array | null = null
  private segStart = 0
  private segEnd = 0

  constructor(
    private readonly x: FastcdcExports,
    private readonly mem: Uint8Array,
    private readonly o: ResolvedChunkerOptions,
  ) {}

  begin(): void {
    this.seg = null
  }

  find(data: Uint8Array, pos: number, pending: number, end: number, tail: Uint8Array): number {
    const { min, avg, maskS, maskL } = this.o
    let from = Math.max(pending, min)
    let p = pos + from - pending // data index of the first byte to test
    const stop = pos + end - pending
    for (;;) {
      if (this.seg !== data || p < this.segStart || p >= this.segEnd) this.load(data, p, tail)
      const lim = Math.min(stop, this.segEnd)
      const upto = from + lim - p
      const base = WINDOW_AT + (p - this.segStart) - from // address of chunk index 0
      const r = this.x.find(base, Math.max(min, from - HASH_WINDOW), from, upto, avg, maskS.lo, maskS.hi, maskL.lo, maskL.hi)
      if (r !== 0 || lim === stop) return r
      p = lim
      from = upto
    }
  }

  /** Copy data[p, p + WINDOW) to the window, preceded by the 64 stream bytes before data[p]. */
  private load(data: Uint8Array, p: number, tail: Uint8Array): void {
    const segEnd = Math.min(data.length, p + WINDOW)
    if (p >= HASH_WINDOW) this.mem.set(data.subarray(p - HASH_WINDOW, segEnd), WINDOW_AT - HASH_WINDOW)
    else {
      this.mem.set(tail.subarray(p), WINDOW_AT - HASH_WINDOW)
      this.mem.set(data.subarray(0, segEnd), WINDOW_AT - p)
    }
    this.seg = data
    this.segStart = p
    this.segEnd = segEnd
  }
}

/** Instantiate the core once; every chunker from the returned impl shares it. */
export async function createWasmChunker(): Promise<ChunkerImpl> {
  const x = await instantiateWasm<FastcdcExports>(FASTCDC_WASM_BASE64, WINDOW_AT + WINDOW, 'the ts chunker (STORE_CHUNKER=ts)')
  const mem = new Uint8Array(x.memory.buffer) // memory never grows again, so this view stays valid
  mem.set(gearBytes(), 0)
  x.init()

  const impl: ChunkerImpl = {
    name: 'wasm',
    create(opts?: Partial<ChunkerOptions>) {
      const o = resolveChunkerOptions(opts)
      return new StreamChunker(o, new WasmFinder(x, mem, o))
    },
    cuts(data: Uint8Array, opts?: Partial<ChunkerOptions>) {
      return cutsOf(impl.create(opts), data)
    },
  }
  return impl
}
