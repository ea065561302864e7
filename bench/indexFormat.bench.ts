// The layer index's encoding: the first format (one JSON string, headers in base64, digests in
// hex) against today's binary records (headers as they are, digests as 32 bytes), for the
// index of a real tree's tar (default /usr/share: ~100k entries; STORE_BENCH_TREE to change).
// Encode and decode time and bytes, raw and after brotli as the store keeps them. Inputs are
// made once (the tree's tar, its entries and chunk refs), each result decoded and compared
// before timing. Why binary: see lib/layer/_records.ts.
// Run: npm run build && npm run bench indexFormat

import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { brotliCompressSync, constants as Z } from 'node:zlib'
import { Bench } from 'tinybench'
import { readTar } from '../lib/tar/index.js'
import { decodeIndex, type ChunkRef, type IndexEntry, type IndexRecord } from '../lib/layer/index.js'
import { SegmentBuilder } from '../lib/layer/_segments.js'
import { readRecords } from '../lib/layer/_records.js'

/** The first format's encoder, as it was (lib/layer/_format.ts before the v2 index). */
function encodeV1(entries: IndexEntry[], trailer: Uint8Array): Uint8Array {
  const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
  const out = entries.map((e) => {
    const o: Record<string, unknown> = { h: b64(e.h) }
    if (e.c && e.c.length > 0) o.c = e.c
    if (e.p) o.p = b64(e.p)
    return o
  })
  const json = JSON.stringify({ mediaType: 'application/vnd.store.layer.index.v1+json', diffId: `sha256:${'0'.repeat(64)}`, size: 0, trailer: b64(trailer), entries: out })
  return new TextEncoder().encode(json)
}

function encodeV2(records: IndexRecord[]): Uint8Array[] {
  const b = new SegmentBuilder()
  const segs: Uint8Array[] = []
  for (const r of records) {
    const s = b.add(r)
    if (s) segs.push(s)
  }
  const last = b.finish()
  return last ? [...segs, last] : segs
}

const brotli = (b: Uint8Array) => brotliCompressSync(b, { params: { [Z.BROTLI_PARAM_QUALITY]: 1, [Z.BROTLI_PARAM_LGWIN]: 16 } }).length

export default async function run(): Promise<void> {
  const tree = process.env.STORE_BENCH_TREE ?? '/usr/share'
  // The tree's entries, each file's content "chunked" by 64 KiB (digests of the pieces: the
  // refs' shape is what counts here, not the cut points).
  const tar = spawn('tar', ['-C', tree, '--format=posix', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'ignore'] })
  const entries: IndexEntry[] = []
  for await (const e of readTar(tar.stdout as AsyncIterable<Uint8Array>)) {
    const c: ChunkRef[] = []
    let buf: Buffer[] = []
    let n = 0
    const cut = () => {
      const b = Buffer.concat(buf)
      c.push([createHash('sha256').update(b).digest('hex'), b.length])
      buf = []
      n = 0
    }
    for await (const piece of e.body) {
      buf.push(Buffer.from(piece))
      n += piece.length
      if (n >= 64 << 10) cut()
    }
    if (n > 0) cut()
    entries.push({ h: e.headerBytes, c: c.length > 0 ? c : undefined })
  }
  const trailer = new Uint8Array(1024)
  const records: IndexRecord[] = []
  for (const e of entries) {
    records.push({ type: 'header', bytes: e.h })
    if (e.c) records.push({ type: 'chunks', refs: e.c })
  }
  records.push({ type: 'trailer' }, { type: 'zeros', n: trailer.length })

  // Check before timing: both decode to the same entries.
  const v1 = encodeV1(entries, trailer)
  const v2 = encodeV2(records)
  const back1 = decodeIndex(v1)
  const back2 = v2.flatMap((s, i) => [...readRecords(s, String(i))])
  if (back1.kind !== 'whole' || back1.entries.length !== entries.length) throw new Error('indexFormat bench: v1 does not round-trip')
  if (back2.length !== records.length || back2.filter((r) => r.type === 'header').length !== entries.length) throw new Error('indexFormat bench: v2 does not round-trip')

  const bench = new Bench({ name: 'indexFormat', time: 0, iterations: 5, warmupIterations: 1, warmupTime: 0 })
  bench.add('v1 JSON encode', () => void encodeV1(entries, trailer))
  bench.add('v1 JSON decode', () => void decodeIndex(v1))
  bench.add('v2 binary encode', () => void encodeV2(records))
  bench.add('v2 binary decode', () => {
    for (const s of v2) for (const _ of readRecords(s, '')) {
      // decoding is the work
    }
  })
  await bench.run()
  const ms = (name: string) => +bench.tasks.find((t) => t.name === name)!.result!.latency.mean.toFixed(1)
  const v2bytes = v2.reduce((n, s) => n + s.length, 0)
  console.log(`index of ${tree}: ${entries.length} entries, ${records.filter((r) => r.type === 'chunks').reduce((n, r) => n + (r as { refs: unknown[] }).refs.length, 0)} chunk refs`)
  console.table([
    { format: 'v1: one JSON blob', 'encode ms': ms('v1 JSON encode'), 'decode ms': ms('v1 JSON decode'), 'raw MB': +(v1.length / 1e6).toFixed(2), 'brotli q1 MB': +(brotli(v1) / 1e6).toFixed(2), blobs: 1 },
    { format: 'v2: binary segments', 'encode ms': ms('v2 binary encode'), 'decode ms': ms('v2 binary decode'), 'raw MB': +(v2bytes / 1e6).toFixed(2), 'brotli q1 MB': +(v2.reduce((n, s) => n + brotli(s), 0) / 1e6).toFixed(2), blobs: v2.length + 1 },
  ])
}
