// Compression of real files: fflate against node:zlib at levels 1, 6 and 9, over ~32 MiB of
// files from /usr/lib/x86_64-linux-gnu and /usr/share/doc cut into 64 KiB chunks (the unit the
// store compresses). zlib also runs with 32 chunks in flight, as layer import does: its async
// calls use libuv's threadpool and so the second core. Reports encode and decode MB/s (of
// uncompressed bytes) and the stored/original ratio. The default level comes from this.
// Run: npm run build && npm run bench codec   (STORE_BENCH_CODEC_MIB to change the size)

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Bench } from 'tinybench'
import { loadCodec, type Codec } from '../lib/codec/index.js'

const PIECE = 64 << 10
const IN_FLIGHT = 32

/** Files from the given folders (recursively, in name order), an equal share from each, `limit` bytes in all. */
function realFiles(dirs: string[], limit: number): Uint8Array {
  const parts: Buffer[] = []
  const share = Math.ceil(limit / dirs.length)
  for (const dir of dirs) {
    let got = 0
    const visit = (d: string) => {
      let names: string[]
      try {
        names = readdirSync(d).sort()
      } catch {
        return
      }
      for (const n of names) {
        if (got >= share) return
        const p = join(d, n)
        try {
          const st = statSync(p)
          if (st.isDirectory()) visit(p)
          else if (st.isFile() && st.size > 0) {
            const b = readFileSync(p)
            parts.push(b)
            got += b.length
          }
        } catch {
          // unreadable: skip
        }
      }
    }
    visit(dir)
  }
  return new Uint8Array(Buffer.concat(parts).subarray(0, limit))
}

async function mapChunks(chunks: Uint8Array[], inFlight: number, f: (c: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(chunks.length)
  let next = 0
  const worker = async () => {
    while (next < chunks.length) {
      const i = next++
      out[i] = await f(chunks[i])
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return out
}

export default async function run(): Promise<void> {
  const mib = Number(process.env.STORE_BENCH_CODEC_MIB ?? 32)
  const data = realFiles(['/usr/lib/x86_64-linux-gnu', '/usr/share/doc'], mib << 20)
  const chunks: Uint8Array[] = []
  for (let o = 0; o < data.length; o += PIECE) chunks.push(data.subarray(o, o + PIECE))
  const [fflate, zlib, zlibBrotli, zlibZstd, wasmZstd] = await Promise.all([
    loadCodec('fflate', { encoding: 'deflate' }), loadCodec('zlib', { encoding: 'deflate' }), loadCodec('zlib', { encoding: 'brotli' }),
    loadCodec('zlib', { encoding: 'zstd' }), loadCodec('fflate', { encoding: 'zstd' }),
  ])

  interface Variant {
    name: string
    codec: Codec
    level: number
    inFlight: number
  }
  const variants: Variant[] = []
  for (const level of [1, 6, 9]) {
    variants.push({ name: `fflate L${level}`, codec: fflate, level, inFlight: 1 })
    variants.push({ name: `zlib L${level}`, codec: zlib, level, inFlight: 1 })
    variants.push({ name: `zlib L${level}, ${IN_FLIGHT} in flight`, codec: zlib, level, inFlight: IN_FLIGHT })
  }
  // The store's default until Node 24: brotli quality 1 on the zlib backend's worker threads.
  variants.push({ name: 'zlib brotli q1', codec: zlibBrotli, level: 1, inFlight: 1 })
  variants.push({ name: `zlib brotli q1, ${IN_FLIGHT} in flight`, codec: zlibBrotli, level: 1, inFlight: IN_FLIGHT })
  // The default now: zstd level 3, native on workers; the portable backend's WebAssembly zstd.
  variants.push({ name: 'zlib zstd 3', codec: zlibZstd, level: 3, inFlight: 1 })
  variants.push({ name: `zlib zstd 3, ${IN_FLIGHT} in flight`, codec: zlibZstd, level: 3, inFlight: IN_FLIGHT })
  variants.push({ name: 'wasm zstd 3 (fflate backend)', codec: wasmZstd, level: 3, inFlight: 1 })

  // Check before timing: every variant round-trips, and each backend reads the other's output.
  const stored = new Map<string, Uint8Array[]>()
  for (const v of variants) {
    const enc = await mapChunks(chunks, v.inFlight, (c) => v.codec.encode(c, v.level))
    const other = v.codec === zlib ? fflate : v.codec === zlibZstd ? wasmZstd : v.codec === wasmZstd ? zlibZstd : zlibBrotli
    const dec = await mapChunks(enc, 1, (s) => other.decode(s))
    if (!dec.every((d, i) => Buffer.from(d).equals(chunks[i]))) throw new Error(`codec bench: ${v.name} does not round-trip`)
    stored.set(v.name, enc)
  }
  console.log(`compression of ${(data.length / 1e6).toFixed(1)} MB of real files in ${chunks.length} chunks of 64 KiB (MB/s of uncompressed bytes)`)

  const bench = new Bench({ name: 'codec', time: 0, iterations: 3, warmupIterations: 1, warmupTime: 0 })
  for (const v of variants) {
    bench.add(`${v.name} encode`, async () => void (await mapChunks(chunks, v.inFlight, (c) => v.codec.encode(c, v.level))))
    bench.add(`${v.name} decode`, async () => void (await mapChunks(stored.get(v.name)!, v.inFlight, (s) => v.codec.decode(s))))
  }
  await bench.run()

  const mbps = (task: string) => {
    const lat = bench.getTask(task)!.result!.latency
    return data.length / 1e6 / (lat.p50! / 1000)
  }
  console.table(
    variants.map((v) => {
      const bytes = stored.get(v.name)!.reduce((n, s) => n + s.length, 0)
      return {
        variant: v.name,
        'encode MB/s': Math.round(mbps(`${v.name} encode`)),
        'decode MB/s': Math.round(mbps(`${v.name} decode`)),
        ratio: +(bytes / data.length).toFixed(3),
      }
    }),
  )
}
