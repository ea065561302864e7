// The WebAssembly sketch (the default): the byte loop runs in lib/codec/delta/sketch.wat, four bytes
// per step; a chunk reaches wasm memory through one reusable window, WINDOW bytes at a time,
// with the hash carried across windows in the module's global. One instance serves every call:
// sketch() is synchronous, and reset() starts each chunk afresh.

import { instantiateWasm, type WasmMemoryExports } from '../../_wasm.js'
import { SKETCH_WASM_BASE64 } from './_sketch.wasm.js'
import { ADD, MULT, sketchGearBytes } from './_tables.js'
import { FEATURES, type Sketch, type Sketcher } from './types.js'

const MULT_AT = 8192
const ADD_AT = 8224
const F_AT = 8256
const WINDOW_AT = 16384
/** 256 KiB: a default-size chunk in one copy, and the window stays in L2 while it is scanned. */
const WINDOW = 256 * 1024

interface SketchExports extends WasmMemoryExports {
  init(): void
  reset(): void
  scan(p: number, end: number): void
}

/** Instantiate the core once; the returned sketcher shares it. */
export async function createWasmSketcher(): Promise<Sketcher> {
  const x = await instantiateWasm<SketchExports>(SKETCH_WASM_BASE64, WINDOW_AT + WINDOW, 'the ts sketcher')
  const mem = new Uint8Array(x.memory.buffer) // memory never grows again, so this view stays valid
  mem.set(sketchGearBytes(), 0)
  const words = new Uint32Array(x.memory.buffer)
  words.set(MULT, MULT_AT / 4)
  words.set(ADD, ADD_AT / 4)
  x.init()

  return {
    name: 'wasm',
    sketch(chunk: Uint8Array): Sketch {
      x.reset()
      for (let o = 0; o < chunk.length; o += WINDOW) {
        const n = Math.min(WINDOW, chunk.length - o)
        mem.set(chunk.subarray(o, o + n), WINDOW_AT)
        x.scan(WINDOW_AT, WINDOW_AT + n)
      }
      return words.slice(F_AT / 4, F_AT / 4 + FEATURES)
    },
  }
}
