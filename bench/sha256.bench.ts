// SHA-256 throughput: hash-wasm against node:crypto on a 64 MiB buffer, hashed in one call and
// as 64 KiB pieces one-shot each (what put() does per chunk), next to `openssl speed` on 16 KiB
// blocks as the reference for what this CPU can do. The default backend is chosen from this.
// Run: npm run build && npm run bench sha256

import { spawnSync } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { Bench } from 'tinybench'
import { loadHashBackend, type HashBackend } from '../lib/digest/index.js'

const SIZE = 64 << 20
const PIECE = 64 << 10

/** `openssl speed -evp sha256 -bytes 16384 -seconds 2` in MB/s, or undefined without openssl. */
function opensslMBps(): number | undefined {
  const r = spawnSync('openssl', ['speed', '-evp', 'sha256', '-bytes', '16384', '-seconds', '2'], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  // The last table line reads "sha256  1605981.30k": thousands of bytes per second.
  const m = /^sha256\s+([\d.]+)k\s*$/m.exec(r.stdout)
  return m ? Number(m[1]) / 1000 : undefined
}

function pieces(b: HashBackend, data: Uint8Array): string {
  let last = ''
  for (let o = 0; o < data.length; o += PIECE) last = b.sha256(data.subarray(o, o + PIECE))
  return last
}

export default async function run(): Promise<void> {
  const data = new Uint8Array(SIZE)
  for (let o = 0; o < SIZE; o += 65536) randomFillSync(data.subarray(o, o + 65536))
  const [wasm, native] = await Promise.all([loadHashBackend('wasm'), loadHashBackend('native')])

  // Check before timing: the backends agree, whole and incrementally.
  const want = native.sha256(data)
  const h = wasm.create()
  for (let o = 0; o < SIZE; o += 1 << 20) h.update(data.subarray(o, o + (1 << 20)))
  if (wasm.sha256(data) !== want || h.digest() !== want || pieces(wasm, data) !== pieces(native, data)) {
    throw new Error('sha256 bench: wasm and native disagree')
  }
  console.log(`SHA-256 of ${SIZE >> 20} MiB of random data (MB/s = 10^6 bytes/s)`)

  const bench = new Bench({ name: 'sha256', time: 0, iterations: 8, warmupIterations: 2, warmupTime: 0 })
  bench
    .add('native (node:crypto), one call', () => void native.sha256(data))
    .add('wasm (hash-wasm), one call', () => void wasm.sha256(data))
    .add('native, 64 KiB pieces', () => void pieces(native, data))
    .add('wasm, 64 KiB pieces', () => void pieces(wasm, data))
  await bench.run()

  const mbps: Record<string, number> = {}
  const rows: Record<string, string | number>[] = bench.tasks.map((t) => {
    const lat = t.result!.latency
    mbps[t.name] = SIZE / 1e6 / (lat.p50! / 1000)
    return { variant: t.name, 'median ms': +lat.p50!.toFixed(1), 'MB/s (median)': Math.round(mbps[t.name]), 'MB/s (best)': Math.round(SIZE / 1e6 / (lat.min / 1000)) }
  })
  const ref = opensslMBps()
  rows.push({ variant: 'openssl speed -evp sha256 (16 KiB blocks)', 'median ms': '', 'MB/s (median)': ref === undefined ? 'n/a' : Math.round(ref), 'MB/s (best)': '' })
  console.table(rows)
  const ratio = mbps['native (node:crypto), one call'] / mbps['wasm (hash-wasm), one call']
  console.log(`native/wasm: ${ratio.toFixed(2)}x${ref ? `; native at ${((mbps['native (node:crypto), one call'] / ref) * 100).toFixed(0)}% of openssl` : ''}`)
}
