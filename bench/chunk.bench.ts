// Content-defined chunking throughput: the WebAssembly core against the TypeScript reference,
// FastCDC with the default options (16/64/256 KiB) over 256 MiB of random data, as one push
// (the whole-buffer path) and as 64 KiB pushes (the streaming path a tar entry takes).
// Goals: wasm above 1.5 GB/s and at least 1.5x the reference.
// Run: npm run build && npm run bench chunk   (STORE_BENCH_CHUNK_MIB to change the size)

import { randomFillSync } from 'node:crypto'
import { Bench } from 'tinybench'
import { loadChunker, type ChunkerImpl } from '../lib/chunk/index.js'

function streamed(impl: ChunkerImpl, data: Uint8Array, piece: number): number[] {
  const c = impl.create()
  const out: number[] = []
  for (let o = 0; o < data.length; o += piece) for (const ch of c.push(data.subarray(o, o + piece))) out.push(ch.length)
  for (const ch of c.end()) out.push(ch.length)
  return out
}

export default async function run(): Promise<void> {
  const mib = Number(process.env.STORE_BENCH_CHUNK_MIB ?? 256)
  const data = new Uint8Array(mib << 20)
  for (let o = 0; o < data.length; o += 1 << 16) randomFillSync(data.subarray(o, o + (1 << 16)))
  const [wasm, ts] = await Promise.all([loadChunker('wasm'), loadChunker('ts')])

  // Check before timing: both implementations, both paths, the same cuts.
  const cuts = ts.cuts(data)
  const same = (a: number[]) => a.length === cuts.length && a.every((v, i) => v === cuts[i])
  if (!same(wasm.cuts(data)) || !same(streamed(wasm, data, 65536)) || !same(streamed(ts, data, 65536))) {
    throw new Error('chunk bench: wasm and ts disagree on the cut points')
  }
  console.log(`FastCDC over ${mib} MiB of random data: ${cuts.length} chunks, mean ${(data.length / cuts.length / 1024).toFixed(1)} KiB`)

  const bench = new Bench({ name: 'chunk', time: 0, iterations: 6, warmupIterations: 2, warmupTime: 0 })
  bench
    .add('wasm, one push', () => void wasm.cuts(data))
    .add('wasm, 64 KiB pushes', () => void streamed(wasm, data, 65536))
    .add('ts, one push', () => void ts.cuts(data))
    .add('ts, 64 KiB pushes', () => void streamed(ts, data, 65536))
  await bench.run()

  const gbps: Record<string, number> = {}
  console.table(
    bench.tasks.map((t) => {
      const lat = t.result!.latency
      gbps[t.name] = data.length / (lat.p50! / 1000) / 1e9
      return {
        variant: t.name,
        'median ms': +lat.p50!.toFixed(1),
        'GB/s (median)': +gbps[t.name].toFixed(2),
        'GB/s (best)': +(data.length / (lat.min / 1000) / 1e9).toFixed(2),
      }
    }),
  )
  const ratio = gbps['wasm, one push'] / gbps['ts, one push']
  const ratioStream = gbps['wasm, 64 KiB pushes'] / gbps['ts, 64 KiB pushes']
  console.log(`wasm/ts: ${ratio.toFixed(2)}x (one push), ${ratioStream.toFixed(2)}x (64 KiB pushes)`)
}
